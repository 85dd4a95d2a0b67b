/**
 * Shard folders against half-written output: `convert` replaces an existing folder only when the new one
 * is complete, and readers check every shard against the manifest's size and CRC-32, so a folder mixing
 * two conversions is refused instead of read as the first dataset with the second one's samples.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DtrbDataset, Sample } from './dtrb.ts';
import { openDatasetPath, openShardDir, writeShardDir } from './node_shards.ts';
import { shardFileName } from './shard.ts';
import { LmdbCorruptError } from './errors.ts';

const root = mkdtempSync(path.join(tmpdir(), 'webstr-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An in-memory dataset of `n` samples labelled `<tag><i>`; sample `failAt` throws (a corrupt source). */
function memoryDataset(tag: string, n: number, failAt?: number): DtrbDataset {
  const sample = (i: number): Promise<Sample> =>
    i === failAt ? Promise.reject(new LmdbCorruptError(`page of sample ${i} is corrupt`)) : Promise.resolve({ index: i, label: `${tag}${i}`, image: new Uint8Array([i, i + 1, i + 2]) });
  return {
    count: n,
    sample,
    async *samples() {
      for (let i = 1; i <= n; i++) yield await sample(i);
    },
  };
}

const opts = (name: string) => ({ name, source: { kind: 'lmdb' as const, name, bytes: 0 }, samplesPerShard: 2 });

async function labels(dir: string): Promise<string[]> {
  const ds = await openShardDir(dir);
  const out: string[] = [];
  for await (const s of ds.samples()) out.push(s.label);
  return out;
}

describe('shard folders: atomic convert, shards checked against the manifest', () => {
  it('a folder mixing shards of two conversions is refused (ShardMismatchError)', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    await writeShardDir(memoryDataset('iii', 6), a, opts('iii'));
    await writeShardDir(memoryDataset('svt', 6), b, opts('svt'));
    // What an interrupted in-place convert left before: the old manifest over some of the new shards.
    copyFileSync(path.join(b, shardFileName(0)), path.join(a, shardFileName(0)));
    await expect(labels(a)).rejects.toMatchObject({ name: 'ShardMismatchError', message: expect.stringContaining('not this dataset') as string });
    const opened = await openDatasetPath(a);
    await expect(opened.dataset.sample(1)).rejects.toMatchObject({ name: 'ShardMismatchError' });
  });

  it('a shard of another size is refused before it is read', async () => {
    const d = path.join(root, 'size');
    await writeShardDir(memoryDataset('x', 4), d, opts('x'));
    writeFileSync(path.join(d, shardFileName(1)), new Uint8Array(10_000));
    await expect(labels(d)).rejects.toMatchObject({ name: 'ShardMismatchError', message: expect.stringContaining('10000 bytes') as string });
  });

  it('a failed convert leaves the existing output as it was, and nothing partial', async () => {
    const d = path.join(root, 'out');
    await writeShardDir(memoryDataset('first', 7), d, opts('first'));
    const before = Object.fromEntries(readdirSync(d).map((n) => [n, readFileSync(path.join(d, n)).toString('base64')]));
    await expect(writeShardDir(memoryDataset('second', 9, 6), d, opts('second'))).rejects.toMatchObject({ name: 'LmdbCorruptError' });
    const after = Object.fromEntries(readdirSync(d).map((n) => [n, readFileSync(path.join(d, n)).toString('base64')]));
    expect(after).toEqual(before);
    expect(await labels(d)).toEqual(['first1', 'first2', 'first3', 'first4', 'first5', 'first6', 'first7']);
    expect(readdirSync(root).filter((n) => n.startsWith('out.'))).toEqual([]);
    // A successful convert replaces it whole: no shard of the old one is left.
    await writeShardDir(memoryDataset('third', 3), d, opts('third'));
    expect(readdirSync(d).sort()).toEqual(['manifest.json', shardFileName(0), shardFileName(1)]);
    expect(await labels(d)).toEqual(['third1', 'third2', 'third3']);
  });

  it('never replaces a folder that is not a shard folder', async () => {
    const d = path.join(root, 'home');
    mkdirSync(d);
    writeFileSync(path.join(d, 'thesis.tex'), 'precious');
    await expect(writeShardDir(memoryDataset('x', 2), d, opts('x'))).rejects.toMatchObject({ name: 'InvalidArgumentError' });
    expect(readFileSync(path.join(d, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('eval --data on a folder with neither data.mdb nor manifest.json, or no folder at all: DatasetNotFoundError', async () => {
    const d = path.join(root, 'empty');
    mkdirSync(d);
    await expect(openDatasetPath(d)).rejects.toMatchObject({ name: 'DatasetNotFoundError', message: expect.stringContaining('neither data.mdb') as string });
    await expect(openDatasetPath(path.join(root, 'missing'))).rejects.toMatchObject({ name: 'DatasetNotFoundError' });
    expect(existsSync(path.join(d, 'data.mdb'))).toBe(false);
  });
});
