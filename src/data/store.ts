/**
 * The IndexedDB dataset store (`idb`). Three object stores:
 *   datasets  id → finished dataset (manifest); only these are listed
 *   imports   id → an import in progress: how many shards are in, the label statistics so far
 *   shards    [id, index] → one shard's bytes (the shard format of shard.ts)
 * Each shard goes in with its import record in one transaction; the dataset record is written last, in
 * the transaction that drops the import record. So a half-imported dataset is never listed, and an
 * interrupted import resumes after its last complete shard. Nothing but IndexedDB work is awaited
 * inside a transaction.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { DatasetNotFoundError, QuotaExceededImportError } from './errors.ts';
import { ShardedDataset } from './sharded.ts';
import type { DatasetManifest, DatasetSource, LabelStats, ShardInfo } from './shard.ts';

export const DB_NAME = 'webstr-data';
export const DB_VERSION = 1;

export interface DatasetRecord {
  id: string;
  manifest: DatasetManifest;
}

export interface ImportRecord {
  id: string;
  name: string;
  source: DatasetSource;
  samplesPerShard: number;
  totalSamples: number;
  shards: ShardInfo[];
  stats: LabelStats;
  startedAt: string;
  updatedAt: string;
}

export interface ShardRecord {
  datasetId: string;
  index: number;
  count: number;
  crc32: number;
  bytes: ArrayBuffer;
}

export interface WebstrDataDB extends DBSchema {
  datasets: { key: string; value: DatasetRecord };
  imports: { key: string; value: ImportRecord };
  shards: { key: [string, number]; value: ShardRecord };
}

const shardRange = (id: string): IDBKeyRange => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);

/** True for the error a browser raises when a write exceeds the origin's quota. */
export function isQuotaError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && (err).name === 'QuotaExceededError';
}

export class DataStore {
  private constructor(readonly db: IDBPDatabase<WebstrDataDB>) {}

  static async open(name = DB_NAME): Promise<DataStore> {
    const db = await openDB<WebstrDataDB>(name, DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore('datasets', { keyPath: 'id' });
          db.createObjectStore('imports', { keyPath: 'id' });
          db.createObjectStore('shards', { keyPath: ['datasetId', 'index'] });
        }
      },
      // Deleted (the pages' storage panel) or upgraded elsewhere: let it, this connection ends.
      blocking() {
        db.close();
      },
    });
    return new DataStore(db);
  }

  close(): void {
    this.db.close();
  }

  /** Finished datasets only. */
  async list(): Promise<DatasetRecord[]> {
    return this.db.getAll('datasets');
  }

  async get(id: string): Promise<DatasetRecord> {
    const rec = await this.db.get('datasets', id);
    if (rec === undefined) throw new DatasetNotFoundError(`no dataset '${id}' in this browser's store`);
    return rec;
  }

  async has(id: string): Promise<boolean> {
    return (await this.db.getKey('datasets', id)) !== undefined;
  }

  async pendingImports(): Promise<ImportRecord[]> {
    return this.db.getAll('imports');
  }

  async getImport(id: string): Promise<ImportRecord | undefined> {
    return this.db.get('imports', id);
  }

  async putImport(rec: ImportRecord): Promise<void> {
    await this.wrapQuota(this.db.put('imports', rec));
  }

  /** One shard and the import's new state, atomically. */
  async putShard(rec: ImportRecord, index: number, bytes: Uint8Array, info: ShardInfo): Promise<void> {
    const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
    const tx = this.db.transaction(['shards', 'imports'], 'readwrite');
    const writes = Promise.all([
      tx.objectStore('shards').put({ datasetId: rec.id, index, count: info.count, crc32: info.crc32, bytes: buffer }),
      tx.objectStore('imports').put(rec),
      tx.done,
    ]);
    await this.wrapQuota(writes, tx);
  }

  /** The dataset record, written last; the import record goes in the same transaction. */
  async commit(id: string, manifest: DatasetManifest): Promise<void> {
    const tx = this.db.transaction(['datasets', 'imports'], 'readwrite');
    await this.wrapQuota(Promise.all([tx.objectStore('datasets').put({ id, manifest }), tx.objectStore('imports').delete(id), tx.done]), tx);
  }

  /** Removes a dataset or an unfinished import, with all its shards. */
  async delete(id: string): Promise<void> {
    const tx = this.db.transaction(['datasets', 'imports', 'shards'], 'readwrite');
    await Promise.all([tx.objectStore('datasets').delete(id), tx.objectStore('imports').delete(id), tx.objectStore('shards').delete(shardRange(id)), tx.done]);
  }

  async loadShard(id: string, index: number): Promise<Uint8Array> {
    const rec = await this.db.get('shards', [id, index]);
    if (rec === undefined) throw new DatasetNotFoundError(`dataset '${id}' has no shard ${index}`);
    return new Uint8Array(rec.bytes);
  }

  async shardCount(id: string): Promise<number> {
    return this.db.count('shards', shardRange(id));
  }

  async open(id: string, opts?: { cacheShards?: number; verify?: boolean }): Promise<ShardedDataset> {
    const { manifest } = await this.get(id);
    return new ShardedDataset(manifest, (i) => this.loadShard(id, i), opts);
  }

  private async wrapQuota<T>(p: Promise<T>, tx?: { error: DOMException | null }): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (isQuotaError(err) || isQuotaError(tx?.error)) throw new QuotaExceededImportError(`the browser's storage quota for this site is full: ${(err as Error).message}`);
      throw err;
    }
  }
}
