/**
 * The trainer worker's engine over the training core: `Trainer` (src/train/trainer.ts) for the steps,
 * a seeded shuffled source over the IndexedDB datasets for the samples. The worker's loop drives
 * `trainStep()` itself (validation, checkpoints and progress are the worker's), so the Trainer gets no
 * store of its own; a checkpoint to resume from is handed to it through a one-checkpoint store.
 */
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { decodeBrowser } from '../src/image/decode_browser.ts';
import { PADDLE_REC_AUG, augment } from '../src/image/augment.ts';
import { Rng } from '../src/image/rng.ts';
import { createBrowserSynth } from '../src/synth/browser.ts';
import { tinySynthOptions, type SynthOptions } from '../src/synth/plan.ts';
import type { DtrbDataset } from '../src/data/dtrb.ts';
import { Trainer } from '../src/train/trainer.ts';
import type { Checkpoint, CheckpointStore, SampleSource, SourceState, TrainSample } from '../src/train/types.ts';
import type { EngineInit, TrainEngine } from './trainer_engine.ts';

/** mulberry32 step: the whole state is one uint32. */
function next(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [s, ((t ^ (t >>> 14)) >>> 0) / 4294967296];
}

/** A seeded permutation of 0..n−1 (Fisher–Yates), the same for the same seed. */
function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    let r: number;
    [s, r] = next(s);
    const j = Math.floor(r * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * Samples of several datasets as one, reshuffled each epoch (seed + epoch), resumable exactly from
 * `{epoch, position}`. Positions index the concatenation of the datasets in the given order.
 */
export class ShuffledDatasets implements SampleSource {
  private readonly total: number;
  private order: Uint32Array;
  private epoch = 0;
  private position = 0;

  constructor(
    private readonly datasets: readonly DtrbDataset[],
    private readonly seed: number,
  ) {
    this.total = datasets.reduce((n, d) => n + d.count, 0);
    if (this.total === 0) throw new InvalidArgumentError('the training datasets hold no samples');
    this.order = permutation(this.total, seed);
  }

  private async at(k: number): Promise<TrainSample> {
    let i = k;
    for (const d of this.datasets) {
      if (i < d.count) {
        const s = await d.sample(i + 1);
        return { image: s.image.slice(), label: s.label };
      }
      i -= d.count;
    }
    throw new InvalidArgumentError(`sample ${k} is outside the datasets' ${this.total}`);
  }

  async next(n: number): Promise<TrainSample[]> {
    const out: TrainSample[] = [];
    for (let i = 0; i < n; i++) {
      if (this.position >= this.total) {
        this.epoch++;
        this.position = 0;
        this.order = permutation(this.total, (this.seed + this.epoch * 0x9e3779b1) >>> 0);
      }
      out.push(await this.at(this.order[this.position++]!));
    }
    return out;
  }

  getState(): SourceState {
    return { kind: 'shuffled-datasets', seed: this.seed, total: this.total, epoch: this.epoch, position: this.position };
  }

  setState(state: SourceState): void {
    const { seed, total, epoch, position } = state as { seed?: unknown; total?: unknown; epoch?: unknown; position?: unknown };
    if (seed !== this.seed || total !== this.total) throw new InvalidArgumentError(`source state is for seed ${String(seed)} over ${String(total)} samples, this source has seed ${this.seed} over ${this.total}`);
    if (!Number.isInteger(epoch) || !Number.isInteger(position) || (position as number) < 0 || (position as number) > this.total || (epoch as number) < 0) {
      throw new InvalidArgumentError('source state: epoch and position must be non-negative integers');
    }
    this.epoch = epoch as number;
    this.position = position as number;
    this.order = permutation(this.total, this.epoch === 0 ? this.seed : (this.seed + this.epoch * 0x9e3779b1) >>> 0);
  }
}

/**
 * `ratio` of each batch from `synth`, the rest from `data` (the synthetic share rounded per batch, the
 * remainder carried so the long-run share is exact). State = both sources' states + the carry.
 */
export class MixedSource implements SampleSource {
  private carry = 0;

  constructor(
    private readonly data: SampleSource,
    private readonly synth: SampleSource,
    private readonly ratio: number,
  ) {
    if (!(ratio > 0 && ratio < 1)) throw new InvalidArgumentError(`MixedSource: ratio must be in (0, 1), got ${ratio}`);
  }

  async next(n: number): Promise<TrainSample[]> {
    const want = n * this.ratio + this.carry;
    const k = Math.min(n, Math.floor(want));
    this.carry = want - k;
    const [a, b] = await Promise.all([this.synth.next(k), this.data.next(n - k)]);
    return [...a, ...b];
  }

  getState(): SourceState {
    return { kind: 'mixed', ratio: this.ratio, carry: this.carry, data: this.data.getState(), synth: this.synth.getState() };
  }

  setState(state: SourceState): void {
    const st = state as { ratio?: unknown; carry?: unknown; data?: unknown; synth?: unknown };
    if (st.ratio !== this.ratio || typeof st.carry !== 'number' || !(st.carry >= 0 && st.carry < 1)) throw new InvalidArgumentError('mixed source state does not fit this source');
    this.data.setState(st.data as SourceState);
    this.synth.setState(st.synth as SourceState);
    this.carry = st.carry;
  }
}

/** A store that holds one checkpoint: how a resume reaches `Trainer.create`. */
function oneCheckpoint(c: Checkpoint): CheckpointStore {
  return {
    load: (runId, kind) => Promise.resolve(kind === 'latest' && runId === c.runId ? c : null),
    save: () => Promise.resolve(),
    list: () => Promise.resolve([]),
    delete: () => Promise.resolve(),
  };
}

/**
 * Synthetic words for a run: synthetic-only runs use the tiny mode (100×32 crops of a small vocabulary:
 * the shape of a from-scratch smoke run); mixed into real data they are full MJSynth-style words at the
 * model's input height. Labels stay within the model's charset.
 */
export function synthOptionsFor(init: Pick<EngineInit, 'recipe' | 'config' | 'charset'>): SynthOptions {
  const base: SynthOptions = { seed: init.recipe.seed, charset: init.charset, height: init.config.input.height };
  return init.recipe.syntheticRatio >= 1 ? tinySynthOptions(base) : base;
}

async function sourceFor(init: EngineInit): Promise<SampleSource> {
  const r = init.recipe;
  const synth = r.syntheticRatio > 0 ? await createBrowserSynth(synthOptionsFor(init)) : null;
  if (synth !== null && r.syntheticRatio >= 1) return synth;
  const datasets = await Promise.all(r.datasets.map((id) => init.openDataset(id)));
  const data = new ShuffledDatasets(datasets, r.seed);
  return synth === null ? data : new MixedSource(data, synth, r.syntheticRatio);
}

/** PaddleOCR's RecAug (crop jitter, perspective, blur, noise, colour) seeded from the trainer's RNG. */
const recAug = (img: Parameters<typeof augment>[0], random: () => number) => augment(img, new Rng(Math.floor(random() * 0x100000000)), PADDLE_REC_AUG).image;

export async function createEngine(init: EngineInit): Promise<TrainEngine> {
  const source = await sourceFor(init);
  const trainer = await Trainer.create({
    recipe: init.recipe,
    runId: init.runId,
    config: init.config,
    charset: init.charset,
    init: init.resume?.params ?? init.params,
    source,
    store: init.resume === null ? null : oneCheckpoint(init.resume),
    decode: (b) => decodeBrowser(b),
    augment: recAug,
    // Synthetic-only runs draw fixed 100-wide crops: train at that width, not the preset's widest.
    ...(init.recipe.syntheticRatio >= 1 && init.config.input.resize.mode !== 'stretch' ? { inputWidth: 100 } : {}),
  });
  return {
    get step() {
      return trainer.step;
    },
    async trainStep() {
      const e = await trainer.trainStep();
      return { loss: e.loss, lr: e.lr, samples: init.recipe.batchSize };
    },
    async state() {
      const c = await trainer.checkpoint();
      return { params: c.params, optimizer: c.optimizer, sources: c.sources, rng: c.rng };
    },
    dispose: () => trainer.dispose(),
  };
}
