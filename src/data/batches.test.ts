import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batches, keepLabel, normalizeLabel, selectPositions } from './batches.ts';
import { memoryByteSource } from '../runtime/byte_source.ts';
import { openDtrbDataset } from './dtrb.ts';
import { openFileByteSource } from './node_source.ts';
import { emptyStats } from './shard.ts';
import { type BuiltShard, ShardedDataset, buildShards } from './sharded.ts';
import { fixtureBytes, fixtureJson, hasSharedData, lmdbDir } from './testing.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('DTRB label filtering', () => {
  it('follows DTRB LmdbDataset', () => {
    expect(keepLabel('Hello')).toBe(true); // lowercased before the charset test
    expect(keepLabel('it\'s')).toBe(false);
    expect(keepLabel('a'.repeat(25))).toBe(true);
    expect(keepLabel('a'.repeat(26))).toBe(false);
    expect(keepLabel('a'.repeat(26), { maxLength: 30 })).toBe(true);
    expect(keepLabel('it\'s', { filteringOff: true })).toBe(true);
    expect(keepLabel('a-b', { charset: 'ab-' })).toBe(true);
    expect(keepLabel('Ünï')).toBe(false);
    expect(normalizeLabel('It\'s 42!')).toBe('its42');
    expect(normalizeLabel('AbC', { sensitive: true, charset: 'ABCabc' })).toBe('AbC');
  });
});

const digests = await fixtureJson<{ datasets: Record<string, { dtrb_default_kept: number; dtrb_kept_sha256: string; dtrb_labels_sha256: string }> }>('lmdb_digests.json');

describe('batches', () => {
  it('sequential, shuffled, limited and subset batches over the tiny LMDB', async () => {
    const ds = await openDtrbDataset(memoryByteSource(await fixtureBytes('tiny.mdb')), { cache: false });
    const tiny = await fixtureJson<{ samples: { label: string }[] }>('tiny.json');
    const kept = tiny.samples.map((s, i) => (keepLabel(s.label) ? i + 1 : 0)).filter((i) => i > 0);
    const seen: number[] = [];
    const sizes: number[] = [];
    for await (const b of batches(ds, { batchSize: 7, preprocess: (img) => Promise.resolve(img.length) })) {
      sizes.push(b.inputs.length);
      seen.push(...b.positions);
      for (const [k, p] of b.positions.entries()) {
        expect(b.rawLabels[k]).toBe(tiny.samples[p - 1]!.label);
        expect(b.labels[k]).toBe(normalizeLabel(tiny.samples[p - 1]!.label));
      }
    }
    expect(seen).toEqual(kept);
    expect(sizes.slice(0, -1).every((s) => s === 7)).toBe(true);
    const all = await selectPositions(ds, { filter: { filteringOff: true } });
    expect(all.length).toBe(40);
    const s1 = await selectPositions(ds, { filter: { filteringOff: true }, shuffle: { seed: 3 } });
    const s2 = await selectPositions(ds, { filter: { filteringOff: true }, shuffle: { seed: 3 } });
    const s3 = await selectPositions(ds, { filter: { filteringOff: true }, shuffle: { seed: 4 } });
    expect(s1).toEqual(s2);
    expect(s1).not.toEqual(s3);
    expect([...s1].sort((a, b) => a - b)).toEqual(all);
    expect(await selectPositions(ds, { limit: 3 })).toEqual(kept.slice(0, 3));
    expect(await selectPositions(ds, { subset: { start: 10, end: 12 }, filter: { filteringOff: true } })).toEqual([10, 11, 12]);
    expect(await selectPositions(ds, { subset: [5, 3], filter: { filteringOff: true } })).toEqual([5, 3]);
    // The same over shards (labels read from the shard, not the image).
    const built: BuiltShard[] = [];
    for await (const sh of buildShards(ds, { samplesPerShard: 16 })) built.push(sh);
    const manifest = { format: 'webstr-shards', version: 1, name: 'tiny', source: { kind: 'lmdb', name: 'tiny', bytes: 0 }, sampleCount: 40, samplesPerShard: 16, shards: built.map((b) => b.info), stats: emptyStats(), createdAt: '' } as const;
    const sharded = new ShardedDataset(manifest, (i) => Promise.resolve(built[i]!.bytes));
    expect(await selectPositions(sharded, { shuffle: { seed: 9 } })).toEqual(await selectPositions(ds, { shuffle: { seed: 9 } }));
    let n = 0;
    for await (const b of batches(ds, { batchSize: 16, dropLast: true, filter: { filteringOff: true }, preprocess: () => Promise.resolve(0) })) n += b.inputs.length;
    expect(n).toBe(32);
  });

  it.skipIf(!hasSharedData())('the default filter keeps exactly the samples DTRB keeps, on every shared LMDB', async () => {
    for (const [name, d] of Object.entries(digests.datasets)) {
      const src = await openFileByteSource(path.join(lmdbDir(name), 'data.mdb'));
      const ds = await openDtrbDataset(src);
      const kept = await selectPositions(ds, {});
      expect(kept.length, name).toBe(d.dtrb_default_kept);
      expect(sha256(kept.join(',')), name).toBe(d.dtrb_kept_sha256);
      const labels = await Promise.all(kept.map(async (p) => normalizeLabel(await ds.label(p))));
      expect(sha256(labels.join('\n')), name).toBe(d.dtrb_labels_sha256);
      await src.close();
    }
  });
});
