/**
 * What the trainer worker needs from the training core, in one place: build a run's model, optimizer
 * and sample sources from a recipe (fresh, or from a checkpoint), take one step, and hand over the
 * state a checkpoint stores. The worker (trainer.ts) owns everything around it: the loop, pause /
 * resume / stop, validation, checkpoints in IndexedDB, progress, export.
 */
import type { ModelConfig } from '../src/models/config.ts';
import type { Charset } from '../src/text/charset.ts';
import type { DtrbDataset } from '../src/data/dtrb.ts';
import type { Checkpoint, HostTensors, TrainRecipe } from '../src/train/types.ts';

export interface EngineInit {
  runId: string;
  recipe: TrainRecipe;
  config: ModelConfig;
  charset: Charset;
  /** The base weights (all parameters incl. BatchNorm statistics); null = the preset's seeded init. */
  params: HostTensors | null;
  /** Continue from this checkpoint (its params, optimizer, sources and RNG replace the above). */
  resume: Checkpoint | null;
  openDataset(id: string): Promise<DtrbDataset>;
}

export interface StepResult {
  loss: number;
  lr: number;
  /** Samples in the step's batch. */
  samples: number;
}

export type EngineState = Pick<Checkpoint, 'params' | 'optimizer' | 'sources' | 'rng'>;

export interface TrainEngine {
  /** Steps taken (the checkpoint's step after a resume). */
  readonly step: number;
  trainStep(): Promise<StepResult>;
  /** The current parameters (incl. BatchNorm statistics), optimizer, sources and RNG, as host data. */
  state(): Promise<EngineState>;
  dispose(): void;
}

export type EngineFactory = (init: EngineInit) => Promise<TrainEngine>;
