/**
 * The trainer (issue 9), the one training loop of the project (the trainer worker and `webstr train`
 * both run it): one `TrainRecipe` + initial parameters + a `SampleSource` + a `CheckpointStore` → steps
 * (decode → augment → preprocess → forward/backward → clip → optimizer → BatchNorm running statistics),
 * validation through an injected validator (training sits below `src/eval`; `src/eval/train_setup.ts`
 * builds it), checkpoints, resume from the latest checkpoint, best-checkpoint tracking, pause / resume /
 * stop, ETA, and export in the project's weight format.
 *
 * A lost WebGPU device: the run goes back to its latest checkpoint (or its start) on wasm and goes on;
 * without a checkpoint store it stops with `DeviceLostError`.
 *
 * With `replicas` each step is data-parallel (src/train/replica.ts): the batch is cut into parts, this
 * thread trains on the first and worker replicas on the others, and one optimizer step applies the
 * weighted average of their gradients. The sample stream, the RNG and the checkpoints stay here.
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { DeviceLostError } from '../runtime/errors.ts';
import { deviceLostError, initBackend, type InitOptions } from '../runtime/backend.ts';
import type { ModelConfig } from '../models/config.ts';
import { initParams, toDevice, type Params } from '../models/params.ts';
import { buildStages } from '../models/model.ts';
import { bnMomentum, TrainableModel } from '../models/training.ts';
import { toHost } from '../models/params.ts';
import type { PreprocessConfig } from '../image/preprocess_config.ts';
import type { ImageDecoder } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, type WebstrMetadata } from '../weights/format.ts';
import { makeOptimizer, type Optimizer } from './optim/index.ts';
import { labelEncoder, lossFor, lossWeight, type LabelEncoder } from './losses.ts';
import type { BnBatchStats } from '../models/stage.ts';
import { Rng } from '../image/rng.ts';
import { TrainCheckpointError, TrainDivergedError, TrainWorkerError } from './errors.ts';
import { mergeContributions, prepareBatch, splitSizes, oneDraw, type Contribution, type ReplicaPool, type ReplicaPoolFactory, type ReplicaResult } from './replica.ts';
import { checkRecipe, scheduleOf, trainWidth, type Augmenter } from './recipe.ts';
import type { Checkpoint, CheckpointStore, HostTensors, SampleSource, SourceState, TrainEvaluation, TrainLogEntry, TrainProgress, TrainRecipe, TrainSample, Validation } from './types.ts';

export type { Augmenter };

/** Validation of the given parameters (built by `src/eval/train_setup.ts`). */
export type Validator = (params: HostTensors) => Promise<Validation>;

/** Progress beyond the log entry: an evaluation that just finished, a checkpoint just written, a notice. */
export type ProgressExtra = Pick<TrainProgress, 'evaluation' | 'checkpointed' | 'notice'>;

/** How the trainer notices a lost device and where it goes on (a test hook; default: WebGPU's loss → wasm). */
export interface DeviceLossHooks {
  /** The loss of the device the run is on, or null while it is alive. */
  lost(): DeviceLostError | null;
  /** Starts the fallback backend; returns its name. */
  fallback(): Promise<string>;
}

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
  /** Used when `recipe.augment` is set. */
  augment?: Augmenter;
  validate?: Validator;
  /**
   * The validation policy: which of its validations `run()` does (default all): 'before' the
   * first step of a fresh run, 'step' every `recipe.evalEvery` steps, 'after' the last step.
   */
  validateAt?: (label: TrainEvaluation['label'], step: number) => boolean;
  /** Progress (awaited: a caller may record the run's state before the next step). */
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** Resume from the store's latest checkpoint of `runId` when there is one (default true). */
  resume?: boolean;
  /** How the fallback backend starts after a device loss (the browser's wasm paths). */
  backendInit?: InitOptions;
  deviceLoss?: DeviceLossHooks;
  /**
   * Data-parallel steps on worker replicas (started once the run's parameters are known: after a resume,
   * from the checkpoint's). Augmentation there is the recipe's RecAug as the workers know it, taking one
   * draw of the trainer's RNG per image, as the single-thread run does.
   */
  replicas?: ReplicaPoolFactory;
  now?: () => number;
}

export interface TrainResult {
  step: number;
  /** The last step was reached (false: stopped before it). */
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

const webgpuLoss = (): DeviceLostError | null => (tf.getBackend() === 'webgpu' ? deviceLostError() : null);

export class Trainer {
  readonly recipe: TrainRecipe;
  readonly runId: string;
  private model!: TrainableModel;
  private optimizer!: Optimizer;
  private readonly encoder: LabelEncoder;
  private readonly pre: PreprocessConfig;
  private readonly rng: Rng;
  private stepCount = 0;
  private best: { step: number; accuracy: number } | null = null;
  private history: TrainLogEntry[] = [];
  private stopRequested = false;
  /** Set while paused: resolves on resume or stop. */
  private pauseGate: { promise: Promise<void>; open: () => void } | null = null;
  private readonly now: () => number;
  private readonly device: DeviceLossHooks;
  /** Where a run without a checkpoint starts again after a device loss. */
  private start: { sources: SourceState; rng: number } | null = null;
  private disposed = false;
  private pool: ReplicaPool | null = null;

  private constructor(private readonly o: TrainerOptions) {
    checkRecipe(o.recipe);
    this.recipe = o.recipe;
    this.runId = o.runId;
    this.now = o.now ?? (() => performance.now());
    this.device = o.deviceLoss ?? { lost: webgpuLoss, fallback: async () => (await initBackend('wasm', o.backendInit ?? {})).backend };
    this.encoder = labelEncoder(o.config, o.charset);
    this.build(o.init);
    this.pre = trainPreprocess(o.config.input, trainWidth(o.recipe));
    this.rng = new Rng(o.recipe.seed ^ 0x9e3779b9);
  }

  /** Model and optimizer over `init` (null: the seeded initialisation). */
  private build(init: HostTensors | null): void {
    const stages = buildStages(this.o.config, this.encoder.numClasses);
    const params = init === null ? initParams(stages.specs, this.o.recipe.seed) : toDevice(init);
    try {
      this.model = new TrainableModel(this.o.config, params, this.encoder.numClasses, this.o.recipe.freeze ?? []);
    } finally {
      tf.dispose([...params.values()]);
    }
    const opt = this.o.recipe.optimizer;
    this.optimizer = makeOptimizer(opt.kind, this.model.trainable, {
      ...opt,
      lr: scheduleOf(this.o.recipe),
      ...(this.o.recipe.clipNorm !== undefined ? { clipNorm: this.o.recipe.clipNorm } : {}),
    });
  }

  /** Builds a trainer; resumes from the store's latest checkpoint of `runId` unless `resume: false`. */
  static async create(o: TrainerOptions): Promise<Trainer> {
    const t = new Trainer(o);
    try {
      const c = o.store !== null && o.resume !== false ? await o.store.load(o.runId, 'latest') : null;
      if (c !== null) t.restore(c);
      else t.start = { sources: o.source.getState(), rng: t.rng.state };
      if (o.replicas !== undefined) {
        t.pool = await o.replicas({ config: o.config, charset: o.charset, frozen: o.recipe.freeze ?? [], pre: t.pre, batchNorm: t.bnMode, params: await t.model.toHost() });
      }
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** Replicas of a step: this thread plus the worker replicas. */
  get replicaCount(): number {
    return 1 + (this.pool?.size ?? 0);
  }

  private get bnMode(): 'batch' | 'running' {
    return this.recipe.batchNorm === 'train' ? 'batch' : 'running';
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

  get paused(): boolean {
    return this.pauseGate !== null;
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
    this.rng.setState(c.rng >>> 0);
    this.best = c.best;
    this.history = c.history.filter((h) => h.step <= c.step);
  }

  /** Holds `run()` before its next step, after a checkpoint, until `resume()` or `stop()`. */
  pause(): void {
    if (this.pauseGate !== null) return;
    let open = (): void => undefined;
    const promise = new Promise<void>((res) => (open = res));
    this.pauseGate = { promise, open };
  }

  resume(): void {
    const g = this.pauseGate;
    this.pauseGate = null;
    g?.open();
  }

  /** Ends `run()` after the current step, with a checkpoint (a later `run()` continues). */
  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  /** Throws the device's loss: data read back from a lost device is not to be trusted. */
  private alive(): void {
    const lost = this.device.lost();
    if (lost !== null) throw lost;
  }

  private async batch(samples: TrainSample[]): Promise<{ x: Tensor; labels: string[] }> {
    const augment = this.recipe.augment && this.o.augment !== undefined ? this.o.augment : null;
    const x = await prepareBatch(samples, { decode: this.o.decode, augment, random: () => () => this.rng.next(), pre: this.pre });
    return { x, labels: samples.map((s) => s.label) };
  }

  /** One optimisation step on the next batch; returns its log entry (not added to the log: `run()` does). */
  async trainStep(): Promise<TrainLogEntry> {
    const t0 = this.now();
    const lr = this.optimizer.lr;
    // Where a data-parallel step goes back to when a replica fails.
    const before = this.pool !== null ? { sources: this.o.source.getState(), rng: this.rng.state } : null;
    const samples = await this.o.source.next(this.recipe.batchSize);
    let lossValue: number;
    if (this.pool !== null) {
      try {
        lossValue = await this.parallelStep(samples, this.pool);
      } catch (e) {
        // A failed replica leaves the step undone (nothing was applied): the stream goes back to its start.
        if (e instanceof TrainWorkerError) {
          this.o.source.setState(before!.sources);
          this.rng.setState(before!.rng);
        }
        throw e;
      }
    } else lossValue = await this.localStep(samples);
    this.alive();
    this.stepCount++;
    const dt = (this.now() - t0) / 1000;
    return { step: this.stepCount, loss: lossValue, lr, samplesPerSec: dt > 0 ? samples.length / dt : 0 };
  }

  /** The single-thread step: the whole batch here. */
  private async localStep(samples: TrainSample[]): Promise<number> {
    const { x, labels } = await this.batch(samples);
    const enc = this.encoder.encode(labels);
    const l = lossFor(this.o.config, enc);
    let lossValue: number;
    try {
      const r = this.model.lossAndGrads(x, { batchNorm: this.bnMode, teacher: l.teacher }, l.loss);
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
    return lossValue;
  }

  /**
   * The data-parallel step: the worker replicas get their parts (with the trainable parameters and the
   * augmentation draws) first, so they run while this thread trains on the first part; then one
   * optimizer step on the merged gradients and one running-statistics update from the merged statistics.
   */
  private async parallelStep(samples: TrainSample[], pool: ReplicaPool): Promise<number> {
    const augment = this.recipe.augment && this.o.augment !== undefined ? this.o.augment : null;
    // One draw per image, in sample order: the draws the single-thread step makes.
    const draws = augment === null ? null : samples.map(() => this.rng.next());
    const sizes = splitSizes(samples.length, pool.size + 1);
    const trainable = await toHost(this.model.trainable);
    const remote: Promise<ReplicaResult>[] = [];
    for (let i = 1, at = sizes[0]!; i < sizes.length && sizes[i]! > 0; at += sizes[i]!, i++) {
      const p = pool.compute(i - 1, { trainable, samples: samples.slice(at, at + sizes[i]!), draws: draws?.slice(at, at + sizes[i]!) ?? null });
      p.catch(() => undefined); // awaited below; no unhandled rejection while this thread computes
      remote.push(p);
    }
    const mine = samples.slice(0, sizes[0]);
    const x = await prepareBatch(mine, { decode: this.o.decode, augment, random: (i) => oneDraw(draws![i]!), pre: this.pre });
    const enc = this.encoder.encode(mine.map((s) => s.label));
    const l = lossFor(this.o.config, enc);
    let own: { grads: Record<string, Tensor>; bnStats: BnBatchStats[] } | null = null;
    try {
      const r = this.model.lossAndGrads(x, { batchNorm: this.bnMode, teacher: l.teacher }, l.loss);
      own = r;
      const mineC: Contribution = { loss: (await r.loss.data())[0]!, weight: lossWeight(enc), grads: r.grads, bnStats: r.bnStats };
      r.loss.dispose();
      const others = await Promise.all(remote);
      const merged = mergeContributions([mineC, ...others], bnMomentum(this.o.config));
      try {
        this.optimizer.step(merged.grads)?.dispose();
        // The merged variances are already unbiased where the preset asks for it.
        this.model.updateRunningStats(merged.bnStats, { ...bnMomentum(this.o.config), unbiased: false });
      } finally {
        tf.dispose(Object.values(merged.grads));
      }
      return merged.loss;
    } finally {
      if (own !== null) tf.dispose([...Object.values(own.grads), ...own.bnStats.flatMap((s) => [s.batchMean, s.batchVar])]);
      l.dispose();
      x.dispose();
    }
  }

  /** The parameters as host data (checked against a device loss). */
  private async hostParams(): Promise<HostTensors> {
    const p = await this.model.toHost();
    this.alive();
    return p;
  }

  /** The run's state now, as a checkpoint (`params`: host parameters already read at this step). */
  async checkpoint(params?: HostTensors): Promise<Checkpoint> {
    const ck: Checkpoint = {
      runId: this.runId,
      recipe: this.recipe,
      step: this.stepCount,
      params: params ?? (await this.model.toHost()),
      optimizer: await this.optimizer.getState(),
      sources: this.o.source.getState(),
      rng: this.rng.state,
      best: this.best,
      history: [...this.history],
      savedAt: new Date().toISOString(),
    };
    this.alive();
    return ck;
  }

  /** Writes the latest checkpoint (and the best one); false without a store. */
  private async save(params?: HostTensors, best = false): Promise<boolean> {
    if (this.o.store === null) return false;
    const ck = await this.checkpoint(params);
    await this.o.store.save(ck, 'latest');
    if (best) await this.o.store.save(ck, 'best');
    return true;
  }

  private wants(label: TrainEvaluation['label'], step: number): boolean {
    return this.o.validate !== undefined && (this.o.validateAt?.(label, step) ?? true);
  }

  /**
   * Trains until `recipe.steps` or `stop()`: validation before the first step of a fresh run, every
   * `evalEvery` steps and after the last; checkpoints every `checkpointEvery` steps, at a new best, at
   * pause, stop and the end. Returns where it stopped.
   */
  async run(): Promise<TrainResult> {
    const r = this.recipe;
    let emaMs: number | null = null;
    const eta = (): number | null => (emaMs === null ? null : ((r.steps - this.stepCount) * emaMs) / 1000);
    const entryNow = (): TrainLogEntry => this.history.at(-1) ?? { step: this.stepCount, loss: NaN, lr: this.optimizer.lr, samplesPerSec: 0 };
    const progress = async (entry: TrainLogEntry, phase: TrainProgress['phase'], extra: ProgressExtra = {}): Promise<void> => {
      await this.o.onProgress?.({ ...entry, totalSteps: r.steps, etaSec: phase === 'done' || phase === 'stopped' ? null : eta(), phase, ...extra });
    };

    if (this.stepCount === 0 && this.stepCount < r.steps && this.wants('before', 0)) {
      await progress(entryNow(), 'validating');
      const v = await this.o.validate!(await this.hostParams());
      await progress(entryNow(), 'validating', { evaluation: { ...v, label: 'before', step: 0 } });
    } else await progress(entryNow(), 'starting');

    while (this.stepCount < r.steps && !this.stopRequested) {
      try {
        if (this.pauseGate !== null) {
          const gate = this.pauseGate;
          const saved = await this.save();
          await progress(entryNow(), 'paused', saved ? { checkpointed: this.stepCount } : {});
          await gate.promise;
          if (this.stopRequested) break;
          await progress(entryNow(), 'training');
        }
        // Let queued events in (a stop or pause message, a signal): the awaits of a step can all be
        // microtasks, which would otherwise starve them for the whole run.
        await nextTask();
        if (this.stopRequested) break;
        const t0 = this.now();
        const entry = await this.trainStep();
        const ms = this.now() - t0;
        emaMs = emaMs === null ? ms : 0.9 * emaMs + 0.1 * ms;
        this.history.push(entry);
        if (!Number.isFinite(entry.loss)) throw new TrainDivergedError(`training diverged at step ${entry.step}: loss ${entry.loss} (lower the learning rate, or set a clip norm)`);
        const step = this.stepCount;
        const last = step >= r.steps;
        const label = last ? 'after' : 'step';
        let params: HostTensors | undefined;
        let isBest = false;
        if (((r.evalEvery > 0 && step % r.evalEvery === 0) || last) && this.wants(label, step)) {
          await progress(entry, 'validating');
          params = await this.hostParams();
          const v = await this.o.validate!(params);
          entry.val = { accuracy: v.accuracy, ned: v.ned };
          if (this.best === null || v.accuracy > this.best.accuracy) {
            this.best = { step, accuracy: v.accuracy };
            isBest = true;
          }
          await progress(entry, 'validating', { evaluation: { ...v, label, step } });
        }
        if (this.o.store !== null && (isBest || last || (r.checkpointEvery > 0 && step % r.checkpointEvery === 0))) {
          await progress(entry, 'checkpointing');
          await this.save(params, isBest);
          await progress(entry, 'training', { checkpointed: step });
        } else await progress(entry, 'training');
      } catch (err) {
        // A dead replica: the step was rolled back, so the checkpoint is the last good step's.
        if (err instanceof TrainWorkerError) {
          const saved = await this.save();
          await progress(entryNow(), 'stopped', saved ? { checkpointed: this.stepCount } : {});
          throw err;
        }
        const lost = err instanceof DeviceLostError ? err : await this.lostBy();
        if (lost === null) throw err;
        const notice = await this.recover(lost);
        await progress(entryNow(), 'starting', { notice });
      }
    }
    const done = this.stepCount >= r.steps;
    // A stop asked for before this run() began ends it too; the next run() trains again.
    this.stopRequested = false;
    const saved = !done && (await this.save());
    await progress(entryNow(), done ? 'done' : 'stopped', saved ? { checkpointed: this.stepCount } : {});
    return { step: this.stepCount, done, best: this.best, history: [...this.history] };
  }

  /** The device's loss after a failed step: a read that failed on a lost device comes before the loss's own notice (up to 1 s). */
  private async lostBy(): Promise<DeviceLostError | null> {
    for (let i = 0; ; i++) {
      const lost = this.device.lost();
      if (lost !== null || tf.getBackend() !== 'webgpu' || i === 20) return lost;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * After a device loss: the fallback backend, the model and optimizer rebuilt there from the latest
   * checkpoint (or the run's start). Without a store there is nothing to go back to: the loss is thrown.
   */
  private async recover(lost: DeviceLostError): Promise<string> {
    const store = this.o.store;
    if (store === null) throw lost;
    try {
      this.optimizer.dispose();
      this.model.dispose();
    } catch {
      // the lost device's buffers may already be gone
    }
    const backend = await this.device.fallback();
    const c = await store.load(this.runId, 'latest');
    this.build(c === null ? this.o.init : c.params);
    if (c !== null) this.restore(c);
    else {
      const s = this.start!;
      this.o.source.setState(s.sources);
      this.rng.setState(s.rng);
      this.stepCount = 0;
      this.best = null;
      this.history = [];
    }
    await this.pool?.reset(await this.model.toHost());
    return `${lost.message}; the run went on on ${backend} from step ${this.stepCount}`;
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
    // Worker threads end on terminate(); nothing waits for it here (closeReplicas() does).
    void this.pool?.close();
  }

  /** Ends the worker replicas and waits for them (dispose() only starts that). */
  async closeReplicas(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    await p?.close();
  }
}

/** Resolves after the event loop has run its queued tasks (timers, messages, signals). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
