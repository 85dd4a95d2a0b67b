/**
 * Sample sources for training (the `SampleSource` contract of types.ts):
 * - `DatasetSource`: one or more DTRB datasets (LMDB, shards, IndexedDB), the DTRB label filter
 *   (`keepLabel`: ≤ maxLength characters, label.lower() within the charset) applied once, then epoch
 *   after epoch in an order shuffled by a seeded RNG. Its state is {epoch, position}: epoch k's order is a
 *   function of (seed, k), so a checkpoint needs no permutation.
 * - `MixSource`: a fraction `ratio` of every batch from a second source (synthetic words), the rest
 *   from the first; the split of each batch is a function of the samples drawn so far.
 */
import { keepLabel, normalizeLabel, type LabelFilter } from '../text/labels.ts';
import type { DtrbDataset } from '../data/dtrb.ts';
import { Rng } from '../image/rng.ts';
import { SampleSourceError } from './errors.ts';
import type { SampleSource, SourceState, TrainSample } from './types.ts';

export interface DatasetSourceOptions {
  seed: number;
  /** The DTRB filter (default: maxLength 25 over the 36 alphanumerics); `filteringOff` keeps every sample. */
  filter?: LabelFilter;
  /** Normalise labels as DTRB's loader does (lowercase unless sensitive, drop characters outside the set). Default false. */
  normalize?: boolean;
}

interface Entry {
  ds: number;
  index: number;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

export class DatasetSource implements SampleSource {
  private epoch = 0;
  private pos = 0;
  private order: Entry[] = [];

  private constructor(
    private readonly datasets: DtrbDataset[],
    private readonly kept: Entry[],
    private readonly o: DatasetSourceOptions,
  ) {
    this.order = this.permutation(0);
  }

  /** Reads every label once to apply the filter; fails with SampleSourceError when nothing is left. */
  static async create(datasets: DtrbDataset[], options: DatasetSourceOptions): Promise<DatasetSource> {
    if (datasets.length === 0) throw new SampleSourceError('a dataset source needs at least one dataset');
    const kept: Entry[] = [];
    for (let d = 0; d < datasets.length; d++) {
      const ds = datasets[d]!;
      for await (const s of ds.samples()) {
        if (keepLabel(s.label, options.filter)) kept.push({ ds: d, index: s.index });
      }
    }
    if (kept.length === 0) throw new SampleSourceError('no sample of the training data passes the label filter');
    return new DatasetSource(datasets, kept, options);
  }

  /** Samples per epoch (after filtering). */
  get size(): number {
    return this.kept.length;
  }

  private permutation(epoch: number): Entry[] {
    const p = [...this.kept];
    const r = new Rng((this.o.seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
    for (let i = p.length - 1; i > 0; i--) {
      const j = r.below(i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }

  async next(n: number): Promise<TrainSample[]> {
    if (!Number.isInteger(n) || n < 1) throw new SampleSourceError(`next(n): n must be an integer ≥ 1, got ${n}`);
    const out: TrainSample[] = [];
    for (let k = 0; k < n; k++) {
      if (this.pos >= this.order.length) {
        this.epoch++;
        this.pos = 0;
        this.order = this.permutation(this.epoch);
      }
      const e = this.order[this.pos++]!;
      const s = await this.datasets[e.ds]!.sample(e.index);
      // Copy: dataset images may be views into read blocks that later reads reuse.
      out.push({ image: s.image.slice(), label: this.o.normalize === true ? normalizeLabel(s.label, this.o.filter) : s.label });
    }
    return out;
  }

  getState(): SourceState {
    return { kind: 'dataset', epoch: this.epoch, position: this.pos, size: this.kept.length };
  }

  setState(state: SourceState): void {
    const { epoch, position, size } = state;
    if (state.kind !== 'dataset' || !isCount(epoch) || !isCount(position) || size !== this.kept.length || position > this.kept.length) {
      throw new SampleSourceError(`dataset source: state ${JSON.stringify(state)} does not fit this source (${this.kept.length} samples)`);
    }
    this.epoch = epoch;
    this.pos = position;
    this.order = this.permutation(epoch);
  }
}

/** `ratio` of the samples from `second` (synthetic words), the rest from `first`. */
export class MixSource implements SampleSource {
  private drawn = 0;

  constructor(
    private readonly first: SampleSource,
    private readonly second: SampleSource,
    readonly ratio: number,
  ) {
    if (!(ratio >= 0 && ratio <= 1)) throw new SampleSourceError(`mix ratio must be in [0, 1], got ${ratio}`);
  }

  async next(n: number): Promise<TrainSample[]> {
    if (!Number.isInteger(n) || n < 1) throw new SampleSourceError(`next(n): n must be an integer ≥ 1, got ${n}`);
    const fromSecond = Math.floor((this.drawn + n) * this.ratio) - Math.floor(this.drawn * this.ratio);
    const a = n - fromSecond > 0 ? await this.first.next(n - fromSecond) : [];
    const b = fromSecond > 0 ? await this.second.next(fromSecond) : [];
    this.drawn += n;
    return [...a, ...b];
  }

  getState(): SourceState {
    return { kind: 'mix', drawn: this.drawn, ratio: this.ratio, first: this.first.getState(), second: this.second.getState() };
  }

  setState(state: SourceState): void {
    const { drawn, ratio, first, second } = state;
    if (state.kind !== 'mix' || !isCount(drawn) || ratio !== this.ratio || typeof first !== 'object' || first === null || typeof second !== 'object' || second === null) {
      throw new SampleSourceError(`mix source: state ${JSON.stringify(state).slice(0, 200)} does not fit this source`);
    }
    this.first.setState(first as SourceState);
    this.second.setState(second as SourceState);
    this.drawn = drawn;
  }
}
