import 'fake-indexeddb/auto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from '../runtime/byte_source.ts';
import { openDtrbDataset } from './dtrb.ts';
import { ImportCancelledError, QuotaExceededImportError } from './errors.ts';
import { datasetId, importLmdb, importSharded, lmdbContentHash, type IngestProgress } from './ingest.ts';
import { openFileByteSource } from './node_source.ts';
import { DataStore } from './store.ts';
import { fixtureBytes, hasSharedData, lmdbDir } from './testing.ts';

let n = 0;
const freshStore = () => DataStore.open(`webstr-test-${n++}`);
const source = { kind: 'lmdb' as const, name: 'tiny/data.mdb', bytes: 81920, lastModified: 1 };

describe('IndexedDB store + ingest (fake-indexeddb)', () => {
  it('an interrupted import is not listed, resumes from its last shard, and ends identical', async () => {
    const store = await freshStore();
    const tiny = await fixtureBytes('tiny.mdb');
    const ctl = new AbortController();
    const seen: IngestProgress[] = [];
    await expect(
      importLmdb(store, memoryByteSource(tiny), source, {
        samplesPerShard: 8,
        signal: ctl.signal,
        onProgress: (p) => {
          seen.push(p);
          if (p.shards === 2) ctl.abort();
        },
      }),
    ).rejects.toBeInstanceOf(ImportCancelledError);
    expect(await store.list()).toEqual([]);
    const pending = await store.pendingImports();
    expect(pending.map((p) => p.shards.length)).toEqual([2]);
    const res = await importLmdb(store, memoryByteSource(tiny), source, { samplesPerShard: 8, onProgress: (p) => seen.push(p) });
    expect(res.resumedFromShard).toBe(2);
    expect(res.manifest.sampleCount).toBe(40);
    expect(res.manifest.shards.length).toBe(5);
    expect(res.manifest.stats.labels).toBe(40);
    expect(seen.at(-1)).toMatchObject({ done: true, samples: 40, totalSamples: 40, shards: 5 });
    expect(await store.pendingImports()).toEqual([]);
    expect((await store.list()).map((d) => d.manifest.name)).toEqual(['tiny']);
    const lmdb = await openDtrbDataset(memoryByteSource(tiny), { cache: false });
    const ds = await store.open(res.id);
    for (let i = 1; i <= 40; i++) expect(await ds.sample(i)).toEqual(await lmdb.sample(i));
    // Importing the same file again is a no-op.
    expect((await importLmdb(store, memoryByteSource(tiny), source)).alreadyImported).toBe(true);
    // Shards copied store → store (as the pages do for HTTP shard folders).
    const other = await freshStore();
    const copy = await importSharded(other, ds, { kind: 'shards', name: 'copy', bytes: 1 });
    expect(copy.manifest.sampleCount).toBe(40);
    expect(copy.manifest.stats).toEqual(res.manifest.stats);
    await store.delete(res.id);
    expect(await store.list()).toEqual([]);
    expect(await store.shardCount(res.id)).toBe(0);
    store.close();
    other.close();
  });

  it('identity is the content: another file of the same name, size and time does not resume on the first one\'s shards', async () => {
    const store = await freshStore();
    const a = await fixtureBytes('tiny.mdb');
    // The same LMDB with sample 1's label 'Beta1' → 'Zeta1' in every copy of its leaf (stale pages too): same name, size and mtime.
    const b = a.slice();
    const key = Buffer.from('label-000000001Beta1');
    for (let at = Buffer.from(b).indexOf(key); at >= 0; at = Buffer.from(b).indexOf(key, at + 1)) b[at + 15] = 0x5a;
    const labelB = (await (await openDtrbDataset(memoryByteSource(b), { cache: false })).sample(1)).label;
    expect(labelB).toBe('Zeta1');
    const ctl = new AbortController();
    await expect(
      importLmdb(store, memoryByteSource(a), source, { samplesPerShard: 8, signal: ctl.signal, onProgress: (p) => p.shards === 2 && ctl.abort() }),
    ).rejects.toBeInstanceOf(ImportCancelledError);
    const res = await importLmdb(store, memoryByteSource(b), source, { samplesPerShard: 8 });
    expect(res.resumedFromShard).toBe(0);
    expect((await (await store.open(res.id)).sample(1)).label).toBe(labelB);
    // A picks up where it stopped, under its own id.
    const resA = await importLmdb(store, memoryByteSource(a), source, { samplesPerShard: 8 });
    expect(resA.resumedFromShard).toBe(2);
    expect(resA.id).not.toBe(res.id);
    store.close();
  });

  it('a quota too small is refused before anything is written', async () => {
    const store = await freshStore();
    const tiny = await fixtureBytes('tiny.mdb');
    await expect(importLmdb(store, memoryByteSource(tiny), source, { estimate: () => Promise.resolve({ quota: 50_000, usage: 0 }) })).rejects.toThrow(QuotaExceededImportError);
    expect(await store.list()).toEqual([]);
    expect(await store.pendingImports()).toEqual([]);
    store.close();
  });

  it('a QuotaExceededError in the middle rolls the whole import back', async () => {
    const store = await freshStore();
    const tiny = await fixtureBytes('tiny.mdb');
    const put = store.putShard.bind(store);
    let calls = 0;
    store.putShard = (...args) => (++calls === 3 ? Promise.reject(new QuotaExceededImportError('quota full')) : put(...args));
    await expect(importLmdb(store, memoryByteSource(tiny), source, { samplesPerShard: 8 })).rejects.toThrow(/partial import was removed/);
    expect(await store.list()).toEqual([]);
    expect(await store.pendingImports()).toEqual([]);
    expect(await store.shardCount(datasetId({ ...source, contentHash: await lmdbContentHash(memoryByteSource(tiny)) }))).toBe(0);
    expect(await store.shardCount('lmdb:tiny_data.mdb:81920:1')).toBe(0);
    store.close();
  });

  it.skipIf(!hasSharedData())('svt_647 imports with every sample', async () => {
    const store = await freshStore();
    const src = await openFileByteSource(path.join(lmdbDir('svt_647'), 'data.mdb'));
    const res = await importLmdb(store, src, { kind: 'lmdb', name: 'svt_647/data.mdb', bytes: src.size }, { samplesPerShard: 200 });
    expect(res.manifest.sampleCount).toBe(647);
    expect(res.manifest.shards.map((s) => s.count)).toEqual([200, 200, 200, 47]);
    const ds = await store.open(res.id);
    const lmdb = await openDtrbDataset(src);
    for (const i of [1, 200, 201, 647]) {
      const [a, b] = [await ds.sample(i), await lmdb.sample(i)];
      expect(a.label).toBe(b.label);
      expect(Buffer.compare(a.image, b.image)).toBe(0);
    }
    await src.close();
    store.close();
  });
});
