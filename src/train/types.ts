/**
 * Contracts of training (issue 9), shared by the trainer core (`src/train/`), the sample sources
 * (datasets in `src/data/`, synthetic words in `src/synth/`), the trainer worker, `finetune.html` and
 * `webstr train`. Plain data only: everything here crosses a worker boundary by structured clone and
 * is stored in IndexedDB or as JSON files.
 */
import type { RgbaImage } from '../image/types.ts';
import type { OptimizerState } from './optim/state.ts';
import type { HostTensors } from '../models/config.ts';

export type { HostTensors };

/** One training sample before the model's preprocessing: encoded image bytes or decoded pixels. */
export interface TrainSample {
  image: Uint8Array | RgbaImage;
  label: string;
}

/**
 * A seeded stream of training samples (a shuffled dataset, synthetic words, or a mix). Deterministic:
 * the same seed and state give the same samples; `getState()` after k samples and `setState()` on a
 * fresh source continue exactly at sample k+1 (that is what a checkpoint stores).
 */
export interface SampleSource {
  next(n: number): Promise<TrainSample[]>;
  getState(): SourceState;
  setState(state: SourceState): void;
}

/** A source's resumable state: JSON-safe. */
export type SourceState = Record<string, unknown>;


export type OptimizerSpec =
  | { kind: 'adam' | 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { kind: 'adadelta'; lr: number; rho?: number; eps?: number; weightDecay?: number }
  | { kind: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number };

/** What a run does; stored with every checkpoint so a resumed run continues the same recipe. */
import type { StageName } from '../models/config.ts';

export interface TrainRecipe {
  preset: string;
  /** Start from these weights (a model key or path as the caller understands it); null = from scratch. */
  init: string | null;
  /** Dataset ids (IndexedDB) or paths (Node) mixed with synthetic words by `syntheticRatio`. */
  datasets: string[];
  /** Fraction of each batch drawn from synthetic words (0 = datasets only, 1 = synthetic only). */
  syntheticRatio: number;
  validation: { dataset: string; limit?: number } | null;
  steps: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  schedule: { kind: 'constant' } | { kind: 'cosine'; warmup: number } | { kind: 'piecewise'; boundaries: number[]; factors: number[] };
  clipNorm?: number;
  /** BatchNorm during training: batch statistics (`train`), running statistics (`frozen`). */
  batchNorm: 'train' | 'frozen';
  augment: boolean;
  /** Validate every N steps (0: only before the first step and after the last). */
  evalEvery: number;
  /** Checkpoint every N steps (0: only at pause, stop and the end). */
  checkpointEvery: number;
  seed: number;
  /**
   * The synthetic words: `tiny` (100×32 crops of a 20-word vocabulary, or of the first `vocabulary`
   * shipped words) or `words` (the shipped word list at the model's input height). Absent: `tiny` when
   * the run is synthetic only, `words` when mixed into datasets.
   */
  synthetic?: { kind: 'tiny' | 'words'; vocabulary?: number };
  /** Width of the training batches for keep-ratio models (default: 100 for tiny synthetic runs, else the preset's widest). */
  inputWidth?: number;
  /**
   * Stages kept as they are: their parameters are not trained, their BatchNorm uses the running
   * statistics, and the backward pass never enters them unless a trained stage lies before them (a
   * frozen backbone under a trained TPS still passes gradients back to the TPS, but its own weights stay).
   */
  freeze?: StageName[];
}

export { STAGE_NAMES, type StageName } from '../models/config.ts';

export interface TrainLogEntry {
  step: number;
  loss: number;
  lr: number;
  samplesPerSec: number;
  /** Set on validation steps: accuracy (%, the default protocol) and 1-NED. */
  val?: { accuracy: number; ned: number };
}

/** What a validation measured: accuracy (%, the default protocol) and 1-NED on `samples` of `dataset`. */
export interface Validation {
  dataset: string;
  samples: number;
  accuracy: number;
  ned: number;
}

/** A validation of a run: of the starting weights ('before'), periodic ('step'), or of the final ones ('after'). */
export interface TrainEvaluation extends Validation {
  label: 'before' | 'after' | 'step';
  step: number;
}

export interface TrainProgress extends TrainLogEntry {
  totalSteps: number;
  etaSec: number | null;
  /** 'stopped' ends a run stopped before its last step (resumable), 'done' one that reached it. */
  phase: 'starting' | 'training' | 'validating' | 'checkpointing' | 'paused' | 'stopped' | 'done';
  /** Set once, on the event after a validation. */
  evaluation?: TrainEvaluation;
  /** A checkpoint was written at this step. */
  checkpointed?: number;
  /** Something the user should know that changed the run (the GPU was lost and the run went on on wasm). */
  notice?: string;
}

/** Everything needed to continue a run after a reload, losing at most the steps since it was written. */
export interface Checkpoint {
  runId: string;
  recipe: TrainRecipe;
  step: number;
  /** All parameters of the preset, incl. BatchNorm running statistics. */
  params: HostTensors;
  optimizer: OptimizerState;
  sources: SourceState;
  /** State of the trainer's own RNG (augmentation). */
  rng: number;
  best: { step: number; accuracy: number } | null;
  history: TrainLogEntry[];
  savedAt: string;
}

export interface RunSummary {
  runId: string;
  preset: string;
  step: number;
  steps: number;
  best: { step: number; accuracy: number } | null;
  savedAt: string;
}

/**
 * Where checkpoints live (IndexedDB in the tab, a directory in Node). `save` is atomic: a reader sees
 * the previous checkpoint or the new one, never a mix (a reload or a full quota mid-save leaves the
 * previous one intact).
 */
export interface CheckpointStore {
  save(checkpoint: Checkpoint, kind: 'latest' | 'best'): Promise<void>;
  load(runId: string, kind: 'latest' | 'best'): Promise<Checkpoint | null>;
  list(): Promise<RunSummary[]>;
  delete(runId: string): Promise<void>;
}

/** Where a run stands (the trainer worker's run record). */
export type RunStatus = 'running' | 'paused' | 'stopped' | 'done' | 'failed';
