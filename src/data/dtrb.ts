/**
 * The deep-text-recognition-benchmark LMDB layout (DTRB create_lmdb_dataset.py; docs/models.md §8.1):
 * `num-samples` (decimal), `image-%09d` (original encoded bytes), `label-%09d` (UTF-8), 1-based.
 */
import type { ByteSource } from '../runtime/byte_source.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { DtrbLayoutError } from './errors.ts';
import { LmdbReader, type LmdbReaderOptions } from './lmdb/reader.ts';

export interface Sample {
  /** 1-based index in the source dataset (the `%09d` of its keys). */
  index: number;
  label: string;
  /** The original encoded image bytes (JPEG/PNG), never re-encoded. Read-only: may be a view into a read block. */
  image: Uint8Array;
}

export interface DtrbDataset {
  readonly count: number;
  sample(index: number): Promise<Sample>;
  samples(opts?: { limit?: number; start?: number }): AsyncIterable<Sample>;
}

/** Samples `start`, `start + 1`, … (1-based, default 1), at most `limit` of them, read one at a time: every dataset's `samples()`. */
export async function* samplesInOrder(ds: Pick<DtrbDataset, 'count' | 'sample'>, opts: { limit?: number; start?: number } = {}): AsyncGenerator<Sample> {
  const start = opts.start ?? 1;
  const end = Math.min(ds.count, opts.limit === undefined ? ds.count : start + opts.limit - 1);
  for (let i = start; i <= end; i++) yield await ds.sample(i);
}

export const imageKey = (i: number): string => `image-${String(i).padStart(9, '0')}`;
export const labelKey = (i: number): string => `label-${String(i).padStart(9, '0')}`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeLabel(bytes: Uint8Array, index: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new DtrbLayoutError(`label-${String(index).padStart(9, '0')} is not valid UTF-8`);
  }
}

export class LmdbDtrbDataset implements DtrbDataset {
  constructor(
    readonly reader: LmdbReader,
    readonly count: number,
  ) {}

  async label(index: number): Promise<string> {
    this.checkIndex(index);
    const bytes = await this.reader.get(labelKey(index));
    if (bytes === undefined) throw new DtrbLayoutError(`${labelKey(index)} is missing (num-samples is ${this.count})`);
    return decodeLabel(bytes, index);
  }

  async sample(index: number): Promise<Sample> {
    this.checkIndex(index);
    const [label, image] = await Promise.all([this.label(index), this.reader.get(imageKey(index), { copy: false })]);
    if (image === undefined) throw new DtrbLayoutError(`${imageKey(index)} is missing (num-samples is ${this.count})`);
    return { index, label, image };
  }

  samples(opts: { limit?: number; start?: number } = {}): AsyncIterable<Sample> {
    return samplesInOrder(this, opts);
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 1 || index > this.count) {
      throw new InvalidArgumentError(`sample index ${index} is outside 1..${this.count}`);
    }
  }
}

export async function openDtrbDataset(src: ByteSource, opts?: LmdbReaderOptions): Promise<LmdbDtrbDataset> {
  const reader = await LmdbReader.open(src, opts);
  const raw = await reader.get('num-samples');
  if (raw === undefined) throw new DtrbLayoutError('no `num-samples` key: not a deep-text-recognition-benchmark LMDB');
  const text = new TextDecoder().decode(raw).trim();
  if (!/^\d{1,15}$/.test(text)) throw new DtrbLayoutError(`num-samples is ${JSON.stringify(text.slice(0, 40))}, not a decimal count`);
  const count = Number(text);
  // Each sample takes two entries (image + label) besides num-samples itself.
  if (2 * count + 1 > reader.info.entries) {
    throw new DtrbLayoutError(`num-samples says ${count}, but the database holds only ${reader.info.entries} entries`);
  }
  return new LmdbDtrbDataset(reader, count);
}
