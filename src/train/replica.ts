/**
 * Synchronous data-parallel training (issue 16), the part that does not depend on the platform: each
 * step's batch is cut into contiguous parts, one per replica (the trainer's own thread and N−1 worker
 * threads); every replica decodes, augments and preprocesses its own part, runs the forward and backward
 * on it and returns its loss and gradients; the trainer averages them, weighted by each part's share of
 * the loss's denominator, and applies one optimizer step.
 *
 * Replicas receive the trainable parameters with each step's part (the trainer reads them after its
 * optimizer step) rather than applying the averaged update themselves: the optimizer state and its
 * arithmetic then live in one place, replicas cannot drift apart by rounding, and a checkpoint is the
 * trainer's alone. The bytes are the same either way (a gradient or a parameter per trainable tensor).
 * Frozen parameters and BatchNorm running statistics never change during a step on a replica (the forward
 * reads running statistics only where they are frozen), so they move only at start and after a restore.
 *
 * BatchNorm in train mode normalises each part with its own batch statistics (as PyTorch DDP without
 * SyncBatchNorm); the running statistics are updated from the parts' statistics averaged by count, which
 * equals averaging the replicas' own running-statistics updates.
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { ModelConfig, StageName } from '../models/config.ts';
import { toDevice, toHost, type HostTensors } from '../models/params.ts';
import { TrainableModel, type BnMomentum } from '../models/training.ts';
import type { BnBatchStats } from '../models/stage.ts';
import { preprocess } from '../image/preprocess.ts';
import type { PreprocessConfig } from '../image/preprocess_config.ts';
import type { ImageDecoder } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import { labelEncoder, lossFor, lossWeight, type LabelEncoder } from './losses.ts';
import type { Augmenter } from './recipe.ts';
import type { TrainSample } from './types.ts';

/** What a worker replica is built from (plain data: it crosses a worker boundary). */
export interface ReplicaSetup {
  config: ModelConfig;
  charset: Charset;
  frozen: StageName[];
  /** The training preprocessing (one width for the whole batch). */
  pre: PreprocessConfig;
  batchNorm: 'batch' | 'running';
  /** Every parameter (trainable, frozen, BatchNorm statistics). */
  params: HostTensors;
}

/** One replica's part of a step. */
export interface ReplicaPart {
  /** The trainable parameters after the previous optimizer step. */
  trainable: HostTensors;
  samples: TrainSample[];
  /** The trainer RNG's draw that seeds each sample's augmentation; null without augmentation. */
  draws: number[] | null;
}

/** BatchNorm batch statistics as host data. */
export interface HostBnStats {
  mean: string;
  variance: string;
  batchMean: Float32Array;
  batchVar: Float32Array;
  count: number;
}

/** A replica's loss and gradients of its part. */
export interface ReplicaResult {
  /** The part's loss (a mean over the part). */
  loss: number;
  /** The denominator of that mean (samples for CTC, kept tokens for attention): the part's weight. */
  weight: number;
  grads: HostTensors;
  bnStats: HostBnStats[];
}

/** The trainer's view of its worker replicas (Node worker threads; a browser pool could implement it too). */
export interface ReplicaPool {
  /** Worker replicas (the trainer's own thread is one more). */
  readonly size: number;
  /** Replica `i` (0 … size−1) computes `part`; rejects with `TrainWorkerError` when the replica is gone. */
  compute(i: number, part: ReplicaPart): Promise<ReplicaResult>;
  /** Every parameter again (after a restore from a checkpoint). */
  reset(params: HostTensors): Promise<void>;
  close(): Promise<void>;
}

/** Starts a pool over the trainer's current parameters (given by the trainer once it has restored its run). */
export type ReplicaPoolFactory = (setup: ReplicaSetup) => Promise<ReplicaPool>;

/** Sizes of `n` contiguous parts of `batch` samples, as even as can be, the larger ones first. */
export function splitSizes(batch: number, n: number): number[] {
  const base = Math.floor(batch / n);
  return Array.from({ length: n }, (_, i) => base + (i < batch % n ? 1 : 0));
}

/**
 * An augmenter's random source in a data-parallel step: the one draw the trainer made for this image.
 * A second call would take a value the single-thread run takes from the trainer's RNG, so the streams
 * would part: it is refused.
 */
export function oneDraw(value: number): () => number {
  let used = false;
  return () => {
    if (used) throw new InvalidArgumentError('data-parallel training gives an augmenter one random draw per image; this one asked for more');
    used = true;
    return value;
  };
}

/** Decodes, augments (with the given per-image random sources) and preprocesses samples into one batch. */
export async function prepareBatch(samples: TrainSample[], o: { decode: ImageDecoder; augment: Augmenter | null; random: (i: number) => () => number; pre: PreprocessConfig }): Promise<Tensor> {
  const xs: Tensor[] = [];
  try {
    for (const [i, s] of samples.entries()) {
      let img = s.image instanceof Uint8Array ? await o.decode(s.image) : s.image;
      if (o.augment !== null) img = o.augment(img, o.random(i));
      xs.push(preprocess(img, o.pre));
    }
    return tf.concat(xs, 0);
  } finally {
    tf.dispose(xs);
  }
}

/** A replica on a worker thread: the model's variables and the step of its part. */
export class ReplicaCore {
  private readonly model: TrainableModel;
  private readonly encoder: LabelEncoder;

  constructor(
    private readonly setup: ReplicaSetup,
    private readonly decode: ImageDecoder,
    private readonly augment: Augmenter,
  ) {
    this.encoder = labelEncoder(setup.config, setup.charset);
    const params = toDevice(setup.params);
    try {
      this.model = new TrainableModel(setup.config, params, this.encoder.numClasses, setup.frozen);
    } finally {
      tf.dispose([...params.values()]);
    }
  }

  reset(params: HostTensors): void {
    this.model.setFromHost(params);
  }

  async compute(part: ReplicaPart): Promise<ReplicaResult> {
    for (const [name, h] of Object.entries(part.trainable)) {
      const v = this.model.trainable[name];
      if (v === undefined || h.data.length !== v.size) throw new InvalidArgumentError(`replica: parameter ${name} does not fit`);
      tf.tidy(() => v.assign(tf.tensor(h.data, v.shape, 'float32')));
    }
    const draws = part.draws;
    const x = await prepareBatch(part.samples, { decode: this.decode, augment: draws === null ? null : this.augment, random: (i) => oneDraw(draws![i]!), pre: this.setup.pre });
    const enc = this.encoder.encode(part.samples.map((s) => s.label));
    const l = lossFor(this.setup.config, enc);
    try {
      const r = this.model.lossAndGrads(x, { batchNorm: this.setup.batchNorm, teacher: l.teacher }, l.loss);
      try {
        const bnStats: HostBnStats[] = [];
        for (const st of r.bnStats) bnStats.push({ mean: st.mean, variance: st.variance, batchMean: (await st.batchMean.data()) as Float32Array, batchVar: (await st.batchVar.data()) as Float32Array, count: st.count });
        return { loss: (await r.loss.data())[0]!, weight: lossWeight(enc), grads: await toHost(r.grads), bnStats };
      } finally {
        tf.dispose([r.loss, ...Object.values(r.grads), ...r.bnStats.flatMap((s) => [s.batchMean, s.batchVar])]);
      }
    } finally {
      l.dispose();
      x.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** One replica's contribution as the trainer merges it: its own (device tensors) or a worker's (host data). */
export interface Contribution {
  loss: number;
  weight: number;
  grads: Record<string, Tensor> | HostTensors;
  bnStats: (BnBatchStats | HostBnStats)[];
}

/** A contribution's tensor on the device: its own, or a worker's host data (bare arrays take `shape`). */
function onDevice(t: Tensor | Float32Array | { data: Float32Array; shape: number[] }, shape: readonly number[]): Tensor {
  if (t instanceof tf.Tensor) return t;
  return t instanceof Float32Array ? tf.tensor(t, [...shape], 'float32') : tf.tensor(t.data, t.shape, 'float32');
}

/**
 * The replicas' contributions merged into the batch's: the loss and each gradient averaged with the
 * parts' weights (Σ wᵣ·gᵣ / Σ wᵣ, which is the gradient of the whole batch's mean loss), BatchNorm
 * statistics averaged by count with each part's variance made unbiased first where the preset's
 * momentum asks for it (so the running update below takes them as they are). Returns device tensors
 * owned by the caller; the contributions' own tensors are left alone.
 */
export function mergeContributions(parts: Contribution[], momentum: BnMomentum): { loss: number; grads: Record<string, Tensor>; bnStats: BnBatchStats[] } {
  const total = parts.reduce((s, p) => s + p.weight, 0);
  if (!(total > 0)) throw new InvalidArgumentError('mergeContributions: the parts carry no weight');
  const loss = parts.reduce((s, p) => s + (p.loss * p.weight) / total, 0);
  const names = [...new Set(parts.flatMap((p) => Object.keys(p.grads)))];
  const grads: Record<string, Tensor> = {};
  try {
    for (const name of names) {
      grads[name] = tf.tidy(() => {
        const terms = parts.filter((p) => p.grads[name] !== undefined).map((p) => tf.mul(onDevice(p.grads[name]!, []), p.weight / total));
        return terms.length === 1 ? terms[0]! : tf.addN(terms);
      });
    }
    const bnStats: BnBatchStats[] = [];
    const first = parts[0]!.bnStats;
    for (const [k, st] of first.entries()) {
      const all = parts.map((p) => p.bnStats[k]);
      if (all.some((s) => s === undefined || s.mean !== st.mean)) throw new InvalidArgumentError(`mergeContributions: replicas recorded different BatchNorm statistics at ${st.mean}`);
      const count = all.reduce((s, x) => s + x!.count, 0);
      const own = all.find((x) => x!.batchMean instanceof tf.Tensor)?.batchMean as Tensor | undefined;
      const c = own?.shape ?? [(st.batchMean as Float32Array).length];
      const [batchMean, batchVar] = tf.tidy(() => {
        const m = tf.addN(all.map((x) => tf.mul(onDevice(x!.batchMean, c), x!.count / count)));
        const v = tf.addN(all.map((x) => tf.mul(onDevice(x!.batchVar, c), (momentum.unbiased && x!.count > 1 ? x!.count / (x!.count - 1) : 1) * (x!.count / count))));
        return [m, v];
      });
      bnStats.push({ mean: st.mean, variance: st.variance, batchMean: batchMean, batchVar: batchVar, count });
    }
    return { loss, grads, bnStats };
  } catch (e) {
    tf.dispose(Object.values(grads));
    throw e;
  }
}
