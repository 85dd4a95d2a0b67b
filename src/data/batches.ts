/**
 * Streaming batches over a dataset (LMDB, shards on disk/HTTP/IndexedDB): sequential or seeded-shuffled
 * order, deep-text-recognition-benchmark label filtering (DTRB dataset.py `LmdbDataset`), a limit or a
 * subset, and decode + preprocess through an injected function (src/image/ owns decoding and the
 * model's declared preprocessing), run `concurrency` at a time with the next batch prefetched.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { DtrbDataset, Sample } from './dtrb.ts';
import { Rng } from '../image/rng.ts';
import { keepLabel, normalizeLabel, type LabelFilter } from '../text/labels.ts';

export { ALNUM36, keepLabel, normalizeLabel, type LabelFilter } from '../text/labels.ts';

export interface Batch<T> {
  inputs: T[];
  /** Normalised labels (as the model is trained/scored on). */
  labels: string[];
  /** Labels as stored. */
  rawLabels: string[];
  /** Positions in the dataset (1-based). */
  positions: number[];
}

export interface BatchOptions<T> {
  batchSize: number;
  preprocess: (image: Uint8Array, sample: Sample) => Promise<T>;
  filter?: LabelFilter;
  /** Shuffle the kept samples (seeded; a different seed per epoch gives a different order). */
  shuffle?: boolean | { seed: number };
  /** Only the first `limit` kept samples (in dataset order, before shuffling). */
  limit?: number;
  /** Only these dataset positions (1-based), before filtering. */
  subset?: readonly number[] | { start?: number; end?: number };
  dropLast?: boolean;
  /** Samples read and preprocessed at once (default 8). */
  concurrency?: number;
}

/** A dataset that can read a label without its image (LMDB, shards). */
type Labelled = DtrbDataset & { label?: (position: number) => Promise<string> };

/** The positions a batch run covers: subset, then the label filter, then the limit, then the shuffle. */
export async function selectPositions(ds: Labelled, opts: Pick<BatchOptions<unknown>, 'filter' | 'shuffle' | 'limit' | 'subset'>): Promise<number[]> {
  let positions: number[];
  const sub = opts.subset;
  if (sub === undefined || !Array.isArray(sub)) {
    const range = (sub ?? {}) as { start?: number; end?: number };
    const start = Math.max(1, range.start ?? 1);
    const end = Math.min(ds.count, range.end ?? ds.count);
    positions = [];
    for (let i = start; i <= end; i++) positions.push(i);
  } else {
    positions = [...(sub as readonly number[])];
    for (const p of positions) if (!Number.isInteger(p) || p < 1 || p > ds.count) throw new InvalidArgumentError(`subset position ${p} is outside 1..${ds.count}`);
  }
  const filter = opts.filter ?? {};
  const limit = opts.limit ?? Infinity;
  if (!filter.filteringOff) {
    const kept: number[] = [];
    for (const p of positions) {
      if (kept.length >= limit) break;
      const label = ds.label !== undefined ? await ds.label(p) : (await ds.sample(p)).label;
      if (keepLabel(label, filter)) kept.push(p);
    }
    positions = kept;
  } else if (positions.length > limit) positions = positions.slice(0, limit);
  if (opts.shuffle) {
    const r = new Rng(opts.shuffle === true ? 0 : opts.shuffle.seed);
    for (let i = positions.length - 1; i > 0; i--) {
      const j = r.below(i + 1);
      [positions[i], positions[j]] = [positions[j]!, positions[i]!];
    }
  }
  return positions;
}

export async function* batches<T>(ds: Labelled, opts: BatchOptions<T>): AsyncGenerator<Batch<T>> {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new InvalidArgumentError(`batchSize must be a positive integer, got ${opts.batchSize}`);
  const positions = await selectPositions(ds, opts);
  const filter = opts.filter ?? {};
  const conc = Math.max(1, opts.concurrency ?? 8);
  const load = async (chunk: number[]): Promise<Batch<T>> => {
    const out: Batch<T> = { inputs: [], labels: [], rawLabels: [], positions: chunk };
    for (let i = 0; i < chunk.length; i += conc) {
      const part = await Promise.all(
        chunk.slice(i, i + conc).map(async (p) => {
          const s = await ds.sample(p);
          return { s, x: await opts.preprocess(s.image, s) };
        }),
      );
      for (const { s, x } of part) {
        out.inputs.push(x);
        out.rawLabels.push(s.label);
        out.labels.push(normalizeLabel(s.label, filter));
      }
    }
    return out;
  };
  const chunks: number[][] = [];
  for (let i = 0; i < positions.length; i += opts.batchSize) chunks.push(positions.slice(i, i + opts.batchSize));
  if (opts.dropLast && chunks.length > 0 && chunks.at(-1)!.length < opts.batchSize) chunks.pop();
  let next: Promise<Batch<T>> | undefined = chunks.length > 0 ? load(chunks[0]!) : undefined;
  for (let k = 0; k < chunks.length; k++) {
    const current = next!;
    next = k + 1 < chunks.length ? load(chunks[k + 1]!) : undefined;
    // Keep a prefetch failure from going unhandled if the consumer stops early; it rethrows when awaited.
    next?.catch(() => undefined);
    yield await current;
  }
}
