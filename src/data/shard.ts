/**
 * The webstr shard format: a fixed number of samples (labels + the original encoded image bytes) in one
 * self-checking binary record, the same bytes as a file on disk (`shard-00000.wshard`), an IndexedDB
 * value or an HTTP response. All integers little-endian.
 *
 *   0   magic     8 B  "WSTRSHRD"
 *   8   version   u32  (1)
 *   12  count     u32  samples in this shard
 *   16  length    u32  total bytes, trailer included
 *   20  reserved  u32  (0)
 *   24  table     count × { index u32 (1-based source index), labelOffset u32, labelLength u32,
 *                           imageOffset u32, imageLength u32 }       (offsets from the shard start)
 *   …   payload   labels (UTF-8) and images, in table order
 *   end-4 crc32   u32  CRC-32 (IEEE, as zlib.crc32) of every byte before it
 */
import type { Sample } from './dtrb.ts';
import { ShardChecksumError, ShardFormatError, UnsupportedShardVersionError } from './errors.ts';
import { keepLabel } from '../text/labels.ts';

export const SHARD_MAGIC = 'WSTRSHRD';
export const SHARD_VERSION = 1;
const HEADER = 24;
const ENTRY = 20;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // Slicing-by-8 tables.
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 8; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, zlib's `crc32`), continuing from `crc` when given. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = CRC_TABLE;
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    const h = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24);
    c =
      t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]! ^
      t[768 + (h & 0xff)]! ^ t[512 + ((h >>> 8) & 0xff)]! ^ t[256 + ((h >>> 16) & 0xff)]! ^ t[h >>> 24]!;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeShard(samples: readonly Sample[]): Uint8Array {
  const labels = samples.map((s) => encoder.encode(s.label));
  let length = HEADER + ENTRY * samples.length + 4;
  for (let i = 0; i < samples.length; i++) length += labels[i]!.length + samples[i]!.image.length;
  if (length > 0xffffffff) throw new ShardFormatError(`a shard of ${length} bytes exceeds the 4 GiB format limit; use fewer samples per shard`);
  const out = new Uint8Array(length);
  const v = new DataView(out.buffer);
  out.set(encoder.encode(SHARD_MAGIC), 0);
  v.setUint32(8, SHARD_VERSION, true);
  v.setUint32(12, samples.length, true);
  v.setUint32(16, length, true);
  let at = HEADER + ENTRY * samples.length;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const e = HEADER + ENTRY * i;
    v.setUint32(e, s.index, true);
    v.setUint32(e + 4, at, true);
    v.setUint32(e + 8, labels[i]!.length, true);
    out.set(labels[i]!, at);
    at += labels[i]!.length;
    v.setUint32(e + 12, at, true);
    v.setUint32(e + 16, s.image.length, true);
    out.set(s.image, at);
    at += s.image.length;
  }
  v.setUint32(length - 4, crc32(out.subarray(0, length - 4)), true);
  return out;
}

export class Shard {
  readonly count: number;
  private readonly view: DataView;

  private constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.count = this.view.getUint32(12, true);
  }

  /** Parses and checks a shard: magic, version, every table entry within the payload, and the CRC. */
  static decode(bytes: Uint8Array, opts: { verify?: boolean; what?: string } = {}): Shard {
    const what = opts.what ?? 'shard';
    if (bytes.length < HEADER + 4) throw new ShardFormatError(`${what}: ${bytes.length} bytes is too small for a shard`);
    for (let i = 0; i < SHARD_MAGIC.length; i++) {
      if (bytes[i] !== SHARD_MAGIC.charCodeAt(i)) throw new ShardFormatError(`${what}: not a webstr shard (bad magic)`);
    }
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = v.getUint32(8, true);
    if (version !== SHARD_VERSION) throw new UnsupportedShardVersionError(`${what}: shard format version ${version}; this build reads version ${SHARD_VERSION}`);
    const count = v.getUint32(12, true);
    const length = v.getUint32(16, true);
    if (length !== bytes.length) throw new ShardFormatError(`${what}: header says ${length} bytes, got ${bytes.length} (truncated?)`);
    if (opts.verify ?? true) {
      const want = v.getUint32(length - 4, true);
      const got = crc32(bytes.subarray(0, length - 4));
      if (want !== got) throw new ShardChecksumError(`${what}: CRC-32 is ${got.toString(16).padStart(8, '0')}, expected ${want.toString(16).padStart(8, '0')}: the shard is damaged`);
    }
    if (HEADER + ENTRY * count + 4 > length) throw new ShardFormatError(`${what}: ${count} samples do not fit in ${length} bytes`);
    const payloadStart = HEADER + ENTRY * count;
    for (let i = 0; i < count; i++) {
      const e = HEADER + ENTRY * i;
      for (const [o, l] of [[4, 8], [12, 16]] as const) {
        const off = v.getUint32(e + o, true);
        const len = v.getUint32(e + l, true);
        if (off < payloadStart || off + len > length - 4) throw new ShardFormatError(`${what}: sample ${i} points outside the payload`);
      }
    }
    return new Shard(bytes);
  }

  /** 1-based index of sample `i` in the source dataset. */
  sourceIndex(i: number): number {
    return this.view.getUint32(HEADER + ENTRY * i, true);
  }

  label(i: number): string {
    const e = HEADER + ENTRY * i;
    const off = this.view.getUint32(e + 4, true);
    try {
      return decoder.decode(this.bytes.subarray(off, off + this.view.getUint32(e + 8, true)));
    } catch {
      throw new ShardFormatError(`label of sample ${i} is not valid UTF-8`);
    }
  }

  /** A view into the shard's bytes (no copy). */
  image(i: number): Uint8Array {
    const e = HEADER + ENTRY * i;
    const off = this.view.getUint32(e + 12, true);
    return this.bytes.subarray(off, off + this.view.getUint32(e + 16, true));
  }

  sample(i: number): Sample {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new ShardFormatError(`sample ${i} is outside 0..${this.count - 1}`);
    return { index: this.sourceIndex(i), label: this.label(i), image: this.image(i) };
  }

  *samples(): Iterable<Sample> {
    for (let i = 0; i < this.count; i++) yield this.sample(i);
  }
}

/** Character statistics of a dataset's labels, gathered while it is sharded. */
export interface LabelStats {
  /** Occurrences per character (code point). */
  chars: Record<string, number>;
  labels: number;
  minLength: number;
  maxLength: number;
  totalLength: number;
  /** Labels that deep-text-recognition-benchmark's default filter keeps (≤ 25 characters, lowercased ⊂ [0-9a-z]). */
  dtrbDefaultKept: number;
  imageBytes: number;
  labelBytes: number;
}

export function emptyStats(): LabelStats {
  return { chars: {}, labels: 0, minLength: 0, maxLength: 0, totalLength: 0, dtrbDefaultKept: 0, imageBytes: 0, labelBytes: 0 };
}

export function addToStats(stats: LabelStats, s: Sample): void {
  const chars = [...s.label];
  for (const c of chars) stats.chars[c] = (stats.chars[c] ?? 0) + 1;
  stats.minLength = stats.labels === 0 ? chars.length : Math.min(stats.minLength, chars.length);
  stats.maxLength = Math.max(stats.maxLength, chars.length);
  stats.totalLength += chars.length;
  stats.labels++;
  if (keepLabel(s.label)) stats.dtrbDefaultKept++;
  stats.imageBytes += s.image.length;
  stats.labelBytes += encoder.encode(s.label).length;
}

/** Where a dataset came from. */
export interface DatasetSource {
  kind: 'lmdb' | 'shards';
  /** File or folder name, or URL. */
  name: string;
  bytes: number;
  lastModified?: number;
  /** What the dataset id is made of: a hash of the content (ingest.ts), not of the name or time. */
  contentHash?: string;
}

export interface ShardInfo {
  count: number;
  bytes: number;
  crc32: number;
}

/** The manifest of a sharded dataset: `manifest.json` in a shard folder, a record in IndexedDB. */
export interface DatasetManifest {
  format: 'webstr-shards';
  version: typeof SHARD_VERSION;
  name: string;
  source: DatasetSource;
  sampleCount: number;
  samplesPerShard: number;
  shards: ShardInfo[];
  stats: LabelStats;
  createdAt: string;
}

export const shardFileName = (i: number): string => `shard-${String(i).padStart(5, '0')}.wshard`;

/** Checks a manifest read from JSON (disk, HTTP): the fields, and that shard counts add up. */
export function checkManifest(value: unknown, what = 'manifest'): DatasetManifest {
  const m = value as Partial<DatasetManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== 'webstr-shards') throw new ShardFormatError(`${what} is not a webstr shard manifest`);
  if (m.version !== SHARD_VERSION) throw new UnsupportedShardVersionError(`${what}: shard format version ${String(m.version)}; this build reads version ${SHARD_VERSION}`);
  if (typeof m.name !== 'string' || !Array.isArray(m.shards) || typeof m.sampleCount !== 'number' || typeof m.samplesPerShard !== 'number' || m.stats === undefined || m.source === undefined) {
    throw new ShardFormatError(`${what} lacks name, shards, sampleCount, samplesPerShard, stats or source`);
  }
  let total = 0;
  for (const [i, s] of m.shards.entries()) {
    if (typeof s?.count !== 'number' || typeof s.bytes !== 'number' || typeof s.crc32 !== 'number') throw new ShardFormatError(`${what}: shard ${i} entry is malformed`);
    if (i < m.shards.length - 1 && s.count !== m.samplesPerShard) throw new ShardFormatError(`${what}: shard ${i} has ${s.count} samples, expected ${m.samplesPerShard}`);
    total += s.count;
  }
  if (total !== m.sampleCount) throw new ShardFormatError(`${what}: shards hold ${total} samples, the manifest says ${m.sampleCount}`);
  return m as DatasetManifest;
}
