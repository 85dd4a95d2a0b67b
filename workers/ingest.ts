/**
 * The ingest worker (comlink): imports a picked or dropped `data.mdb` (read through File.slice, never
 * whole) or a shard folder served over HTTP into IndexedDB, with progress through a proxied callback and
 * cancellation; lists, inspects (sample gallery) and deletes datasets. Errors cross as name + message.
 */
import * as Comlink from 'comlink';
import { blobByteSource } from '../src/runtime/byte_source.ts';
import { type IngestOptions, type IngestProgress, type IngestResult, importLmdb, importSharded } from '../src/data/ingest.ts';
import { openShardUrl } from '../src/data/sharded.ts';
import type { DatasetManifest } from '../src/data/shard.ts';
import { DataStore } from '../src/data/store.ts';
import { WebstrError } from '../src/runtime/errors.ts';
import './liveness.ts';

export interface ImportSettings {
  name?: string;
  samplesPerShard?: number;
  limit?: number;
  /** Skip the up-front quota estimate (tests of the mid-import QuotaExceededError rollback). */
  skipQuotaCheck?: boolean;
  /** Bytes per File.slice() read (see DEFAULT_READ_BLOCK). */
  readBlockBytes?: number;
  /** Test hook: pause after each shard (ms). */
  throttleMs?: number;
}

export interface DatasetSummary {
  id: string;
  name: string;
  samples: number;
  shards: number;
  bytes: number;
  source: DatasetManifest['source'];
  createdAt: string;
  /** The 20 most frequent characters with their counts. */
  topChars: [string, number][];
  charCount: number;
  minLength: number;
  maxLength: number;
  dtrbDefaultKept: number;
}

export interface PendingSummary {
  id: string;
  name: string;
  source: DatasetManifest['source'];
  shardsDone: number;
  samplesDone: number;
  totalSamples: number;
}

export interface GallerySample {
  position: number;
  index: number;
  label: string;
  image: Uint8Array;
}

let storePromise: Promise<DataStore> | undefined;
const store = (): Promise<DataStore> => (storePromise ??= DataStore.open());
let current: AbortController | undefined;

function summarize(id: string, m: DatasetManifest): DatasetSummary {
  const chars = Object.entries(m.stats.chars).sort((a, b) => b[1] - a[1]);
  return {
    id,
    name: m.name,
    samples: m.sampleCount,
    shards: m.shards.length,
    bytes: m.shards.reduce((a, s) => a + s.bytes, 0),
    source: m.source,
    createdAt: m.createdAt,
    topChars: chars.slice(0, 20),
    charCount: chars.length,
    minLength: m.stats.minLength,
    maxLength: m.stats.maxLength,
    dtrbDefaultKept: m.stats.dtrbDefaultKept,
  };
}

async function run(body: (opts: IngestOptions) => Promise<IngestResult>, settings: ImportSettings, onProgress?: (p: IngestProgress) => void): Promise<IngestResult> {
  if (current !== undefined) throw new WebstrError('an import is already running in this worker');
  const ctl = new AbortController();
  current = ctl;
  try {
    return await body({
      name: settings.name,
      samplesPerShard: settings.samplesPerShard,
      limit: settings.limit,
      signal: ctl.signal,
      onProgress: onProgress === undefined ? undefined : (p) => void onProgress(p),
      throttleMs: settings.throttleMs,
      readBlockBytes: settings.readBlockBytes,
      estimate: settings.skipQuotaCheck ? () => Promise.resolve({}) : undefined,
    });
  } finally {
    current = undefined;
  }
}

const api = {
  /** Imports a `data.mdb` File (a folder's data.mdb is picked by the page). */
  async importLmdb(file: File, settings: ImportSettings = {}, onProgress?: (p: IngestProgress) => void): Promise<IngestResult> {
    const s = await store();
    const folder = file.webkitRelativePath ? file.webkitRelativePath.split('/').slice(0, -1).join('/') : '';
    const name = settings.name ?? (folder !== '' ? folder.split('/').pop()! : file.name.replace(/\.mdb$/, ''));
    return run((o) => importLmdb(s, blobByteSource(file), { kind: 'lmdb', name: folder !== '' ? `${folder}/${file.name}` : file.name, bytes: file.size, lastModified: file.lastModified }, { ...o, name }), settings, onProgress);
  },

  /** Imports a shard folder served over HTTP (`<url>/manifest.json`, `<url>/shard-00000.wshard`, …). */
  async importShardUrl(url: string, settings: ImportSettings = {}, onProgress?: (p: IngestProgress) => void): Promise<IngestResult> {
    const s = await store();
    const abs = new URL(url, self.location.href).href;
    const sharded = await openShardUrl(abs);
    return run((o) => importSharded(s, sharded, { kind: 'shards', name: abs, bytes: sharded.manifest.shards.reduce((a, x) => a + x.bytes, 0) }, o), settings, onProgress);
  },

  /** Stops the running import after its current shard; finished shards stay for a resume. */
  cancel(): boolean {
    if (current === undefined) return false;
    current.abort();
    return true;
  },

  async list(): Promise<DatasetSummary[]> {
    return (await (await store()).list()).map((r) => summarize(r.id, r.manifest));
  },

  async pending(): Promise<PendingSummary[]> {
    return (await (await store()).pendingImports()).map((p) => ({
      id: p.id,
      name: p.name,
      source: p.source,
      shardsDone: p.shards.length,
      samplesDone: p.shards.reduce((a, s) => a + s.count, 0),
      totalSamples: p.totalSamples,
    }));
  },

  /** Samples `start`.. (1-based) of a dataset, for the gallery; images are transferred. */
  async inspect(id: string, start = 1, count = 24): Promise<{ summary: DatasetSummary; samples: GallerySample[] }> {
    const s = await store();
    const ds = await s.open(id, { cacheShards: 2 });
    const samples: GallerySample[] = [];
    for await (const x of ds.samples({ start, limit: count })) samples.push({ position: start + samples.length, index: x.index, label: x.label, image: x.image.slice() });
    return Comlink.transfer({ summary: summarize(id, ds.manifest), samples }, samples.map((x) => x.image.buffer));
  },

  async delete(id: string): Promise<void> {
    await (await store()).delete(id);
  },

  async estimate(): Promise<{ quota?: number; usage?: number }> {
    const e = await navigator.storage.estimate();
    return { quota: e.quota, usage: e.usage };
  },
};

export type IngestApi = typeof api;
Comlink.expose(api);
