/**
 * Import into the IndexedDB store: an LMDB file (through the LMDB reader, re-cut into shards) or a shard
 * folder served over HTTP (shards copied as they are, CRC-checked). Quota first; one transaction per
 * shard; the dataset record last; an interrupted import resumes from its last complete shard; a quota
 * error rolls back everything of this import; cancellation keeps the finished shards for a resume.
 */
import type { ByteSource } from '../runtime/byte_source.ts';
import { openDtrbDataset } from './dtrb.ts';
import { ImportCancelledError, QuotaExceededImportError } from './errors.ts';
import { DEFAULT_SAMPLES_PER_SHARD, buildShards, type ShardedDataset } from './sharded.ts';
import { type DatasetManifest, type DatasetSource, SHARD_VERSION, Shard, addToStats, crc32, emptyStats } from './shard.ts';
import type { DataStore, ImportRecord } from './store.ts';

/** Large reads: each File.slice() costs a round trip to the browser process. */
export const DEFAULT_READ_BLOCK = 2 << 20;

export type { IngestProgress } from './ingest_progress.ts';
import type { IngestProgress } from './ingest_progress.ts';

export interface IngestOptions {
  name?: string;
  samplesPerShard?: number;
  limit?: number;
  onProgress?: (p: IngestProgress) => void;
  signal?: AbortSignal;
  /** `navigator.storage.estimate`, injectable for tests; skipped when absent. */
  estimate?: () => Promise<{ quota?: number; usage?: number }>;
  /** Bytes per read from the source (block cache in front of File.slice); default 2 MiB. */
  readBlockBytes?: number;
  /** Test hook: wait this long after each shard (lets an e2e test reload mid-import deterministically). */
  throttleMs?: number;
}

export interface IngestResult {
  id: string;
  manifest: DatasetManifest;
  resumedFromShard: number;
  alreadyImported: boolean;
  seconds: number;
  /** Where the time went: waiting for the next shard (LMDB reads + encoding) and for the previous write to commit. */
  timings?: { readSeconds: number; writeWaitSeconds: number };
}

/**
 * A stable id for a source, so the same file picked again after a reload finds its import. With a content
 * hash (every import computes one) the id is the content's, never the file's name or time: a picked file
 * is always called data.mdb, and another file of the same size and time must not resume on these shards.
 */
export function datasetId(source: DatasetSource): string {
  const slug = source.name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60);
  return source.contentHash !== undefined ? `${source.kind}:${slug}:${source.bytes}:${source.contentHash}` : `${source.kind}:${slug}:${source.bytes}:${source.lastModified ?? 0}`;
}

/** Bytes hashed at each end of an LMDB file: both meta pages (any page size) at the start, the newest pages at the end. */
const HASH_HEAD = 128 << 10;
const HASH_TAIL = 64 << 10;

/**
 * An LMDB file's identity: CRC-32s (64 bits together) of its first 128 KiB and last 64 KiB, with its size.
 * The meta pages hold the root, last page, entry count and transaction id, which every write changes;
 * the tail holds the newest pages. Two reads, whatever the file's size.
 */
export async function lmdbContentHash(src: ByteSource): Promise<string> {
  const head = await src.read(0, Math.min(HASH_HEAD, src.size));
  const tailStart = Math.max(0, src.size - HASH_TAIL);
  const tail = await src.read(tailStart, src.size - tailStart);
  const a = crc32(head);
  const b = crc32(tail, a ^ 0x5bd1e995);
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

/** A shard folder's identity: its manifest's shard list (every shard's size and CRC-32) and sample count. */
export function shardedContentHash(m: DatasetManifest): string {
  const text = new TextEncoder().encode(JSON.stringify([m.sampleCount, m.samplesPerShard, m.shards.map((s) => [s.count, s.bytes, s.crc32])]));
  const a = crc32(text);
  return `${a.toString(16).padStart(8, '0')}${crc32(text, a ^ 0x5bd1e995).toString(16).padStart(8, '0')}`;
}

function defaultEstimate(): (() => Promise<{ quota?: number; usage?: number }>) | undefined {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  return storage?.estimate === undefined ? undefined : () => storage.estimate();
}

async function checkQuota(opts: IngestOptions, need: number, name: string): Promise<void> {
  const estimate = opts.estimate ?? defaultEstimate();
  if (estimate === undefined) return;
  const { quota, usage } = await estimate();
  if (quota === undefined) return;
  const free = quota - (usage ?? 0);
  if (need > free) {
    throw new QuotaExceededImportError(
      `importing ${name} needs about ${(need / 1e6).toFixed(1)} MB, but this site has only ${(free / 1e6).toFixed(1)} MB of its ${(quota / 1e6).toFixed(1)} MB storage quota left; delete datasets or free disk space`,
    );
  }
}

function throwIfCancelled(signal: AbortSignal | undefined, name: string, shards: number): void {
  if (signal?.aborted) throw new ImportCancelledError(`import of ${name} cancelled after ${shards} shards; pick the same file again to resume`);
}

class Meter {
  readonly timings = { readSeconds: 0, writeWaitSeconds: 0 };
  private readonly t0 = performance.now();
  private sessionSamples = 0;
  private sessionBytes = 0;
  constructor(
    private readonly base: Omit<IngestProgress, 'mbPerSecond' | 'samplesPerSecond' | 'etaSeconds' | 'done'>,
    private readonly cb: ((p: IngestProgress) => void) | undefined,
  ) {}
  seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }
  add(samples: number, bytes: number, done = false): void {
    this.sessionSamples += samples;
    this.sessionBytes += bytes;
    this.base.samples += samples;
    this.base.bytes += bytes;
    this.base.shards += samples > 0 ? 1 : 0;
    this.emit(done);
  }
  emit(done: boolean): void {
    if (this.cb === undefined) return;
    const s = Math.max(this.seconds(), 1e-6);
    const sps = this.sessionSamples / s;
    const left = this.base.totalSamples - this.base.samples;
    this.cb({ ...this.base, mbPerSecond: this.sessionBytes / 1e6 / s, samplesPerSecond: sps, etaSeconds: sps > 0 ? left / sps : Infinity, done });
  }
}

async function finish(store: DataStore, rec: ImportRecord): Promise<DatasetManifest> {
  const manifest: DatasetManifest = {
    format: 'webstr-shards',
    version: SHARD_VERSION,
    name: rec.name,
    source: rec.source,
    sampleCount: rec.shards.reduce((a, s) => a + s.count, 0),
    samplesPerShard: rec.samplesPerShard,
    shards: rec.shards,
    stats: rec.stats,
    createdAt: new Date().toISOString(),
  };
  await store.commit(rec.id, manifest);
  return manifest;
}

async function startOrResume(store: DataStore, id: string, fresh: () => ImportRecord): Promise<ImportRecord> {
  const prev = await store.getImport(id);
  if (prev !== undefined) {
    // Keep only shards that are really there (a shard and its import record are written together).
    const have = await store.shardCount(id);
    if (have >= prev.shards.length) return prev;
  }
  if (prev !== undefined) await store.delete(id);
  const rec = fresh();
  await store.putImport(rec);
  return rec;
}

async function alreadyThere(store: DataStore, id: string): Promise<IngestResult | undefined> {
  if (!(await store.has(id))) return undefined;
  const { manifest } = await store.get(id);
  return { id, manifest, resumedFromShard: manifest.shards.length, alreadyImported: true, seconds: 0 };
}

/** Runs `body`; on a quota error, removes every trace of the import and rethrows a clear error. */
async function rollbackOnQuota<T>(store: DataStore, id: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof QuotaExceededImportError) {
      await store.delete(id);
      throw new QuotaExceededImportError(`${err.message}. The partial import was removed.`);
    }
    throw err;
  }
}

export async function importLmdb(store: DataStore, src: ByteSource, given: DatasetSource, opts: IngestOptions = {}): Promise<IngestResult> {
  const source: DatasetSource = { ...given, contentHash: given.contentHash ?? (await lmdbContentHash(src)) };
  const id = datasetId(source);
  const name = opts.name ?? source.name.replace(/\/?data\.mdb$/, '').split('/').pop() ?? source.name;
  const done = await alreadyThere(store, id);
  if (done !== undefined) return done;
  const ds = await openDtrbDataset(src, { cache: { blockSize: opts.readBlockBytes ?? DEFAULT_READ_BLOCK, maxBlocks: Math.max(8, Math.ceil((64 << 20) / (opts.readBlockBytes ?? DEFAULT_READ_BLOCK))), readahead: 2 } });
  const total = Math.min(opts.limit ?? ds.count, ds.count);
  const existing = await store.getImport(id);
  if (existing === undefined) await checkQuota(opts, Math.ceil(src.size * (total / Math.max(ds.count, 1)) * 1.05), name);
  return rollbackOnQuota(store, id, async () => {
    const rec = await startOrResume(store, id, () => ({
      id,
      name,
      source,
      samplesPerShard: opts.samplesPerShard ?? DEFAULT_SAMPLES_PER_SHARD,
      totalSamples: total,
      shards: [],
      stats: emptyStats(),
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    }));
    const per = rec.samplesPerShard;
    const resumed = rec.shards.length;
    const sampleBytes = rec.stats.imageBytes + rec.stats.labelBytes;
    const meter = new Meter(
      { id, name, samples: rec.stats.labels, totalSamples: rec.totalSamples, bytes: sampleBytes, totalBytes: Math.round(src.size * (rec.totalSamples / Math.max(ds.count, 1))), shards: resumed, totalShards: Math.ceil(rec.totalSamples / per), resumedFromShard: resumed },
      opts.onProgress,
    );
    meter.emit(false);
    // Pipelined: shard k+1 is read and encoded while shard k's transaction commits (put() clones its
    // values synchronously, so later changes to `rec` cannot leak into an earlier write).
    const shards = buildShards(ds, { samplesPerShard: per, startShard: resumed, count: rec.totalSamples, stats: rec.stats });
    let writing: Promise<void> | undefined;
    try {
      for (;;) {
        let t = performance.now();
        const next = await shards.next();
        meter.timings.readSeconds += (performance.now() - t) / 1000;
        t = performance.now();
        await writing;
        writing = undefined;
        meter.timings.writeWaitSeconds += (performance.now() - t) / 1000;
        if (next.done) break;
        const shard = next.value;
        throwIfCancelled(opts.signal, name, rec.shards.length);
        rec.shards.push(shard.info);
        rec.updatedAt = new Date().toISOString();
        writing = store.putShard(rec, shard.index, shard.bytes, shard.info).then(() => meter.add(shard.info.count, shard.bytes.length));
        if (opts.throttleMs) {
          await writing;
          await new Promise((r) => setTimeout(r, opts.throttleMs));
        }
      }
    } finally {
      // Never leave a write running behind a cancellation or an error.
      await writing?.catch(() => undefined);
    }
    const manifest = await finish(store, rec);
    meter.emit(true);
    return { id, manifest, resumedFromShard: resumed, alreadyImported: false, seconds: meter.seconds(), timings: meter.timings };
  });
}

/** Copies a sharded dataset (e.g. `openShardUrl`) into the store, shard by shard, checking each CRC. */
export async function importSharded(store: DataStore, sharded: ShardedDataset, given: DatasetSource, opts: IngestOptions = {}): Promise<IngestResult> {
  const source: DatasetSource = { ...given, contentHash: given.contentHash ?? shardedContentHash(sharded.manifest) };
  const id = datasetId(source);
  const m = sharded.manifest;
  const name = opts.name ?? m.name;
  const done = await alreadyThere(store, id);
  if (done !== undefined) return done;
  const totalBytes = m.shards.reduce((a, s) => a + s.bytes, 0);
  if ((await store.getImport(id)) === undefined) await checkQuota(opts, Math.ceil(totalBytes * 1.05), name);
  return rollbackOnQuota(store, id, async () => {
    const rec = await startOrResume(store, id, () => ({
      id,
      name,
      source,
      samplesPerShard: m.samplesPerShard,
      totalSamples: m.sampleCount,
      shards: [],
      stats: emptyStats(),
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    }));
    const resumed = rec.shards.length;
    const meter = new Meter(
      { id, name, samples: rec.stats.labels, totalSamples: rec.totalSamples, bytes: rec.shards.reduce((a, s) => a + s.bytes, 0), totalBytes, shards: resumed, totalShards: m.shards.length, resumedFromShard: resumed },
      opts.onProgress,
    );
    meter.emit(false);
    for (let i = resumed; i < m.shards.length; i++) {
      throwIfCancelled(opts.signal, name, rec.shards.length);
      const shard: Shard = await sharded.shard(i);
      for (const s of shard.samples()) addToStats(rec.stats, s);
      rec.shards.push(m.shards[i]!);
      rec.updatedAt = new Date().toISOString();
      await store.putShard(rec, i, shard.bytes, m.shards[i]!);
      meter.add(shard.count, shard.bytes.length);
      if (opts.throttleMs) await new Promise((r) => setTimeout(r, opts.throttleMs));
    }
    const manifest = await finish(store, rec);
    meter.emit(true);
    return { id, manifest, resumedFromShard: resumed, alreadyImported: false, seconds: meter.seconds(), timings: meter.timings };
  });
}
