/**
 * Sharding a dataset (LMDB → shards) and reading a sharded one back, wherever its shards live: a folder
 * on disk (node_shards.ts), HTTP (`httpShardLoader`), IndexedDB (store.ts).
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import { samplesInOrder, type DtrbDataset, type Sample } from './dtrb.ts';
import { ShardFormatError, ShardMismatchError } from './errors.ts';
import { type DatasetManifest, type LabelStats, Shard, type ShardInfo, addToStats, checkManifest, crc32, encodeShard, shardFileName } from './shard.ts';

export const DEFAULT_SAMPLES_PER_SHARD = 1000;

export interface BuiltShard {
  index: number;
  bytes: Uint8Array;
  info: ShardInfo;
}

/**
 * Cuts `ds` into shards of `samplesPerShard` samples, from shard `startShard` on (resume), adding every
 * sample to `stats`. Reads `concurrency` samples at a time (the source's reads overlap).
 */
export async function* buildShards(
  ds: DtrbDataset,
  opts: { samplesPerShard?: number; startShard?: number; count?: number; stats?: LabelStats; concurrency?: number },
): AsyncGenerator<BuiltShard> {
  const per = opts.samplesPerShard ?? DEFAULT_SAMPLES_PER_SHARD;
  if (!Number.isInteger(per) || per < 1) throw new InvalidArgumentError(`samplesPerShard must be a positive integer, got ${per}`);
  const count = Math.min(opts.count ?? ds.count, ds.count);
  const shards = Math.ceil(count / per);
  const conc = opts.concurrency ?? 16;
  for (let s = opts.startShard ?? 0; s < shards; s++) {
    const first = s * per + 1;
    const last = Math.min(count, first + per - 1);
    const samples: Sample[] = [];
    for (let i = first; i <= last; i += conc) {
      const batch: Promise<Sample>[] = [];
      for (let j = i; j <= Math.min(last, i + conc - 1); j++) batch.push(ds.sample(j));
      samples.push(...(await Promise.all(batch)));
    }
    if (opts.stats !== undefined) for (const x of samples) addToStats(opts.stats, x);
    const bytes = encodeShard(samples);
    const crc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
    yield { index: s, bytes, info: { count: samples.length, bytes: bytes.length, crc32: crc } };
  }
}

export type ShardLoader = (index: number) => Promise<Uint8Array>;

/** A sharded dataset as a DtrbDataset: positions 1..count; `sample().index` is the source index. */
export class ShardedDataset implements DtrbDataset {
  readonly count: number;
  private readonly cache = new Map<number, Promise<Shard>>();

  constructor(
    readonly manifest: DatasetManifest,
    private readonly load: ShardLoader,
    private readonly opts: { cacheShards?: number; verify?: boolean } = {},
  ) {
    this.count = manifest.sampleCount;
  }

  shard(i: number): Promise<Shard> {
    if (!Number.isInteger(i) || i < 0 || i >= this.manifest.shards.length) {
      return Promise.reject(new InvalidArgumentError(`shard ${i} is outside 0..${this.manifest.shards.length - 1}`));
    }
    let p = this.cache.get(i);
    if (p !== undefined) {
      this.cache.delete(i);
      this.cache.set(i, p);
      return p;
    }
    const info = this.manifest.shards[i]!;
    p = this.load(i).then((bytes) => {
      // The shard must be the one the manifest lists, not just a sound shard: size and CRC-32 against it.
      const what = `${this.manifest.name} ${shardFileName(i)}`;
      if (bytes.length !== info.bytes) throw new ShardMismatchError(`${what} is ${bytes.length} bytes; the manifest says ${info.bytes}: not this dataset's shard`);
      const crc = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true) : -1;
      if (crc !== info.crc32) throw new ShardMismatchError(`${what} has CRC-32 ${crc.toString(16).padStart(8, '0')}; the manifest says ${info.crc32.toString(16).padStart(8, '0')}: not this dataset's shard`);
      const shard = Shard.decode(bytes, { verify: this.opts.verify ?? true, what: `${this.manifest.name} ${shardFileName(i)}` });
      if (shard.count !== info.count) throw new ShardFormatError(`${this.manifest.name} shard ${i} holds ${shard.count} samples, the manifest says ${info.count}`);
      return shard;
    });
    this.cache.set(i, p);
    p.catch(() => this.cache.delete(i));
    const max = this.opts.cacheShards ?? 4;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return p;
  }

  async sample(position: number): Promise<Sample> {
    if (!Number.isInteger(position) || position < 1 || position > this.count) throw new InvalidArgumentError(`sample ${position} is outside 1..${this.count}`);
    const per = this.manifest.samplesPerShard;
    const shard = await this.shard(Math.floor((position - 1) / per));
    return shard.sample((position - 1) % per);
  }

  /** The label alone (loads the shard, not the image). */
  async label(position: number): Promise<string> {
    if (!Number.isInteger(position) || position < 1 || position > this.count) throw new InvalidArgumentError(`sample ${position} is outside 1..${this.count}`);
    const per = this.manifest.samplesPerShard;
    return (await this.shard(Math.floor((position - 1) / per))).label((position - 1) % per);
  }

  samples(opts: { limit?: number; start?: number } = {}): AsyncIterable<Sample> {
    return samplesInOrder(this, opts);
  }
}

/** Shards served over HTTP: `<base>/manifest.json` and `<base>/shard-00000.wshard`, … */
export async function openShardUrl(base: string, fetchImpl: typeof fetch = fetch): Promise<ShardedDataset> {
  const root = base.endsWith('/') ? base : `${base}/`;
  const res = await fetchImpl(`${root}manifest.json`);
  if (!res.ok) throw new ShardFormatError(`${root}manifest.json: HTTP ${res.status}`);
  const manifest = checkManifest(await res.json(), `${root}manifest.json`);
  return new ShardedDataset(manifest, async (i) => {
    const r = await fetchImpl(`${root}${shardFileName(i)}`);
    if (!r.ok) throw new ShardFormatError(`${root}${shardFileName(i)}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  });
}

export { crc32 };
