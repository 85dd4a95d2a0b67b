/**
 * The trainer (issue 9): one `TrainRecipe` + initial parameters + a `SampleSource` + a `CheckpointStore`
 * → steps (decode → augment → preprocess → forward/backward → clip → optimizer → BatchNorm running
 * statistics), validation every `evalEvery` steps through an injected evaluator (training sits below
 * `src/eval`), checkpoints every `checkpointEvery` steps and at pause/stop, resume from the latest
 * checkpoint, best-checkpoint tracking, export in the project's weight format. Same code in the worker
 * and in `webstr train`.
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import type { ModelConfig } from '../models/config.ts';
import { initParams, type Params } from '../models/params.ts';
import { buildStages } from '../models/model.ts';
import { TrainableModel } from '../models/training.ts';
import { preprocess } from '../image/preprocess.ts';
import type { PreprocessConfig } from '../image/preprocess_config.ts';
import type { ImageDecoder, RgbaImage } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, type WebstrMetadata } from '../weights/format.ts';
import { makeOptimizer, makeSchedule, type Optimizer, type Schedule } from './optim/index.ts';
import { labelEncoder, lossFor, type LabelEncoder } from './losses.ts';
import { SeededRng } from './rng.ts';
import { TrainCheckpointError, TrainRecipeError } from './errors.ts';
import type { Checkpoint, CheckpointStore, HostTensors, SampleSource, TrainLogEntry, TrainProgress, TrainRecipe, TrainSample } from './types.ts';

/** Validation: accuracy (%) and 1-NED of the given parameters (built by the caller from `src/eval`). */
export type Validator = (params: HostTensors) => Promise<{ accuracy: number; ned: number }>;

/** Pixel augmentation (issue-synth's `src/image/augment.ts`), driven by the trainer's RNG. */
export type Augmenter = (img: RgbaImage, random: () => number) => RgbaImage;

export interface TrainerOptions {
  recipe: TrainRecipe;
  /** Identifies the run in the checkpoint store. */
  runId: string;
  /** The model (the preset's config, or a narrowed one). */
  config: ModelConfig;
  charset: Charset;
  /** Initial parameters (host data, every ParamSpec incl. BatchNorm statistics); null = random init from the seed. */
  init: HostTensors | null;
  source: SampleSource;
  store: CheckpointStore | null;
  decode: ImageDecoder;
  augment?: Augmenter;
  validate?: Validator;
  onProgress?: (p: TrainProgress) => void;
  /** Training input width for keep-ratio presets (padded batches, PaddleOCR `RecResizeImg`); default the preset's max width. */
  inputWidth?: number;
  /** Resume from the store's latest checkpoint of `runId` when there is one (default true). */
  resume?: boolean;
  now?: () => number;
}

export interface TrainResult {
  step: number;
  done: boolean;
  best: { step: number; accuracy: number } | null;
  history: TrainLogEntry[];
}

/** The preprocessing of training batches: every sample of a batch gets the same width. */
export function trainPreprocess(p: PreprocessConfig, inputWidth?: number): PreprocessConfig {
  if (p.resize.mode === 'stretch') return p;
  if (p.resize.mode === 'keep-ratio-pad-min') {
    // PaddleOCR's minimum batch width (320 for PP-OCRv4) is the default training width.
    return { ...p, resize: { mode: 'keep-ratio-pad', minWidth: 1, maxWidth: inputWidth ?? p.resize.minWidth, padValue: p.resize.padValue } };
  }
  const width = inputWidth ?? p.resize.maxWidth;
  return { ...p, resize: { mode: 'keep-ratio-pad', minWidth: p.resize.minWidth, maxWidth: width, padValue: p.resize.mode === 'keep-ratio-pad' ? p.resize.padValue : 0 } };
}

function checkRecipe(r: TrainRecipe): void {
  const bad = (m: string): never => {
    throw new TrainRecipeError(`recipe: ${m}`);
  };
  if (!Number.isInteger(r.steps) || r.steps < 1) bad(`steps must be an integer ≥ 1, got ${r.steps}`);
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1 || r.batchSize > 4096) bad(`batchSize must be an integer in [1, 4096], got ${r.batchSize}`);
  if (!Number.isInteger(r.evalEvery) || r.evalEvery < 0) bad(`evalEvery must be an integer ≥ 0, got ${r.evalEvery}`);
  if (!Number.isInteger(r.checkpointEvery) || r.checkpointEvery < 0) bad(`checkpointEvery must be an integer ≥ 0, got ${r.checkpointEvery}`);
  if (!(r.optimizer.lr > 0) || !Number.isFinite(r.optimizer.lr)) bad(`optimizer.lr must be a positive number, got ${r.optimizer.lr}`);
  if (r.clipNorm !== undefined && !(r.clipNorm > 0)) bad(`clipNorm must be > 0, got ${r.clipNorm}`);
  if (r.batchNorm !== 'train' && r.batchNorm !== 'frozen') bad(`batchNorm must be 'train' or 'frozen', got '${String(r.batchNorm)}'`);
}

function scheduleOf(r: TrainRecipe): Schedule {
  const s = r.schedule;
  const base = r.optimizer.lr;
  if (s.kind === 'constant') return makeSchedule({ kind: 'constant', base });
  if (s.kind === 'cosine') return makeSchedule({ kind: 'cosine', base, totalSteps: r.steps, warmupSteps: s.warmup });
  if (s.factors.length !== s.boundaries.length + 1) throw new TrainRecipeError(`recipe: piecewise schedule needs boundaries.length + 1 factors`);
  return makeSchedule({ kind: 'piecewise', boundaries: s.boundaries, values: s.factors.map((f) => f * base) });
}

function paramsFromHost(h: HostTensors): Params {
  return new Map(Object.entries(h).map(([k, v]) => [k, tf.tensor(v.data, v.shape, 'float32')]));
}

export class Trainer {
  readonly recipe: TrainRecipe;
  readonly runId: string;
  private readonly model: TrainableModel;
  private readonly optimizer: Optimizer;
  private readonly encoder: LabelEncoder;
  private readonly pre: PreprocessConfig;
  private readonly rng: SeededRng;
  private stepCount = 0;
  private best: { step: number; accuracy: number } | null = null;
  private history: TrainLogEntry[] = [];
  private stopRequested: 'pause' | 'stop' | null = null;
  private readonly now: () => number;
  private disposed = false;

  private constructor(private readonly o: TrainerOptions) {
    registerAllKernels();
    checkRecipe(o.recipe);
    this.recipe = o.recipe;
    this.runId = o.runId;
    this.now = o.now ?? (() => performance.now());
    this.encoder = labelEncoder(o.config, o.charset);
    const stages = buildStages(o.config, this.encoder.numClasses);
    const params = o.init === null ? initParams(stages.specs, o.recipe.seed) : paramsFromHost(o.init);
    try {
      this.model = new TrainableModel(o.config, params, this.encoder.numClasses);
    } finally {
      tf.dispose([...params.values()]);
    }
    const opt = o.recipe.optimizer;
    this.optimizer = makeOptimizer(opt.kind, this.model.trainable, {
      ...opt,
      lr: scheduleOf(o.recipe),
      ...(o.recipe.clipNorm !== undefined ? { clipNorm: o.recipe.clipNorm } : {}),
    });
    this.pre = trainPreprocess(o.config.input, o.inputWidth);
    this.rng = new SeededRng(o.recipe.seed ^ 0x9e3779b9);
  }

  /** Builds a trainer; resumes from the store's latest checkpoint of `runId` unless `resume: false`. */
  static async create(o: TrainerOptions): Promise<Trainer> {
    const t = new Trainer(o);
    try {
      if (o.store !== null && o.resume !== false) {
        const c = await o.store.load(o.runId, 'latest');
        if (c !== null) t.restore(c);
      }
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  get step(): number {
    return this.stepCount;
  }

  get bestSoFar(): { step: number; accuracy: number } | null {
    return this.best;
  }

  get log(): readonly TrainLogEntry[] {
    return this.history;
  }

  /** The live parameters (variables by ParamSpec name; valid until dispose). */
  params(): Params {
    return this.model.params();
  }

  private restore(c: Checkpoint): void {
    if (c.recipe.preset !== this.recipe.preset) {
      throw new TrainCheckpointError(`checkpoint of run '${c.runId}' is for preset '${c.recipe.preset}', not '${this.recipe.preset}'`);
    }
    if (!Number.isInteger(c.step) || c.step < 0) throw new TrainCheckpointError(`checkpoint step ${String(c.step)} is not a count`);
    try {
      this.model.setFromHost(c.params);
      this.optimizer.setState(c.optimizer);
      this.o.source.setState(c.sources);
    } catch (e) {
      throw new TrainCheckpointError(`checkpoint of run '${c.runId}' does not fit: ${(e as Error).message}`);
    }
    this.stepCount = c.step;
    this.rng.state = c.rng >>> 0;
    this.best = c.best;
    this.history = [...c.history];
  }

  /** Asks `run()` to return after the current step, with a checkpoint (resumable by `run()` again). */
  pause(): void {
    this.stopRequested = 'pause';
  }

  /** Like pause, for good. */
  stop(): void {
    this.stopRequested = 'stop';
  }

  private progress(entry: TrainLogEntry, phase: TrainProgress['phase'], etaSec: number | null): void {
    this.o.onProgress?.({ ...entry, totalSteps: this.recipe.steps, etaSec, phase });
  }

  private async batch(samples: TrainSample[]): Promise<{ x: Tensor; labels: string[] }> {
    const xs: Tensor[] = [];
    try {
      for (const s of samples) {
        let img = s.image instanceof Uint8Array ? await this.o.decode(s.image) : s.image;
        if (this.recipe.augment && this.o.augment !== undefined) img = this.o.augment(img, () => this.rng.next());
        xs.push(preprocess(img, this.pre));
      }
      return { x: tf.concat(xs, 0), labels: samples.map((s) => s.label) };
    } finally {
      tf.dispose(xs);
    }
  }

  /** One optimisation step on the next batch; returns its log entry. */
  async trainStep(): Promise<TrainLogEntry> {
    const t0 = this.now();
    const samples = await this.o.source.next(this.recipe.batchSize);
    const { x, labels } = await this.batch(samples);
    const enc = this.encoder.encode(labels);
    const l = lossFor(this.o.config, enc);
    const lr = this.optimizer.lr;
    let lossValue: number;
    try {
      const r = this.model.lossAndGrads(x, { batchNorm: this.recipe.batchNorm === 'train' ? 'batch' : 'running', teacher: l.teacher }, l.loss);
      try {
        this.optimizer.step(r.grads)?.dispose();
        this.model.updateRunningStats(r.bnStats);
        lossValue = (await r.loss.data())[0]!;
      } finally {
        tf.dispose([r.loss, ...Object.values(r.grads)]);
      }
    } finally {
      l.dispose();
      x.dispose();
    }
    this.stepCount++;
    const dt = (this.now() - t0) / 1000;
    const entry: TrainLogEntry = { step: this.stepCount, loss: lossValue, lr, samplesPerSec: dt > 0 ? samples.length / dt : 0 };
    return entry;
  }

  /** Validates now (needs a validator); updates and saves the best checkpoint. */
  async validate(): Promise<{ accuracy: number; ned: number } | null> {
    if (this.o.validate === undefined) return null;
    const v = await this.o.validate(await this.model.toHost());
    if (this.best === null || v.accuracy > this.best.accuracy) {
      this.best = { step: this.stepCount, accuracy: v.accuracy };
      if (this.o.store !== null) await this.o.store.save(await this.checkpoint(), 'best');
    }
    return v;
  }

  /** The run's state now, as a checkpoint. */
  async checkpoint(): Promise<Checkpoint> {
    return {
      runId: this.runId,
      recipe: this.recipe,
      step: this.stepCount,
      params: await this.model.toHost(),
      optimizer: await this.optimizer.getState(),
      sources: this.o.source.getState(),
      rng: this.rng.state,
      best: this.best,
      history: [...this.history],
      savedAt: new Date().toISOString(),
    };
  }

  async saveCheckpoint(): Promise<void> {
    if (this.o.store !== null) await this.o.store.save(await this.checkpoint(), 'latest');
  }

  /**
   * Trains until `recipe.steps` (or pause/stop): validation every `evalEvery` steps, checkpoints every
   * `checkpointEvery` steps and at the end. Returns where it stopped.
   */
  async run(): Promise<TrainResult> {
    this.stopRequested = null;
    const r = this.recipe;
    const start = this.now();
    const startStep = this.stepCount;
    let last: TrainLogEntry = { step: this.stepCount, loss: NaN, lr: this.optimizer.lr, samplesPerSec: 0 };
    this.progress(last, 'starting', null);
    while (this.stepCount < r.steps && this.stopRequested === null) {
      const entry = await this.trainStep();
      const elapsed = (this.now() - start) / 1000;
      const perStep = elapsed / (this.stepCount - startStep);
      const eta = perStep * (r.steps - this.stepCount);
      if (r.evalEvery > 0 && this.stepCount % r.evalEvery === 0 && this.o.validate !== undefined) {
        this.progress(entry, 'validating', eta);
        const v = await this.validate();
        if (v !== null) entry.val = v;
      }
      this.history.push(entry);
      last = entry;
      if (r.checkpointEvery > 0 && this.stepCount % r.checkpointEvery === 0 && this.stepCount < r.steps) {
        this.progress(entry, 'checkpointing', eta);
        await this.saveCheckpoint();
      }
      this.progress(entry, 'training', eta);
    }
    const done = this.stepCount >= r.steps || this.stopRequested === 'stop';
    this.progress(last, 'checkpointing', null);
    await this.saveCheckpoint();
    this.progress(last, done ? 'done' : 'paused', null);
    return { step: this.stepCount, done, best: this.best, history: [...this.history] };
  }

  /** The trained weights in the project's format (params are copies, owned by the caller). */
  exportWeights(provenance: Partial<WebstrMetadata['provenance']> = {}): { params: Params; meta: WebstrMetadata } {
    const params: Params = new Map([...this.model.params()].map(([k, v]) => [k, v.clone()]));
    const meta: WebstrMetadata = {
      format: WEIGHTS_FORMAT,
      version: WEIGHTS_VERSION,
      preset: this.recipe.preset,
      config: this.o.config,
      charset: this.o.charset,
      provenance: {
        source: provenance.source ?? `webstr train run ${this.runId} step ${this.stepCount}`,
        sha256: provenance.sha256 ?? '',
        importer: provenance.importer ?? 'webstr-train',
        importedAt: provenance.importedAt ?? new Date().toISOString(),
        ...(provenance.license !== undefined ? { license: provenance.license } : {}),
        notes: provenance.notes ?? `recipe ${JSON.stringify(this.recipe)}`,
      },
    };
    return { params, meta };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer.dispose();
    this.model.dispose();
  }
}
