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
import { openShardUrl } from './sharded.ts';
import { fixtureBytes } from './testing.ts';
import { main } from '../../cli/main.ts';

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

  it('webstr convert: a failing convert over an existing output leaves it, and eval reads the first dataset', async () => {
    const tiny = path.join(root, 'tiny');
    const bad = path.join(root, 'bad');
    mkdirSync(tiny);
    mkdirSync(bad);
    const bytes = await fixtureBytes('tiny.mdb');
    writeFileSync(path.join(tiny, 'data.mdb'), bytes);
    // The same LMDB with its last overflow page (a later sample's image) damaged: opens, converts the
    // first shards, then fails part-way, as the 22-shards-then-failure did.
    const corrupt = bytes.slice();
    const key = Buffer.from('label-000000001Beta1'); // and another dataset: sample 1 says 'Zeta1'
    for (let at = Buffer.from(corrupt).indexOf(key); at >= 0; at = Buffer.from(corrupt).indexOf(key, at + 1)) corrupt[at + 15] = 0x5a;
    const v = new DataView(corrupt.buffer);
    let last = -1;
    for (let p = 2; p < corrupt.length / 4096; p++) if (v.getUint32(p * 4096, true) === p && v.getUint16(p * 4096 + 10, true) & 4) last = p;
    expect(last).toBeGreaterThan(2);
    corrupt.fill(0xff, last * 4096, last * 4096 + 8);
    writeFileSync(path.join(bad, 'data.mdb'), corrupt);
    const out = path.join(root, 'D');
    expect(await main(['convert', tiny, '--out', out, '--samples-per-shard', '8'])).toBe(0);
    const before = await labels(out);
    expect(await main(['convert', bad, '--out', out, '--samples-per-shard', '8'])).toBe(1);
    expect(before[0]).toBe('Beta1');
    expect(await labels(out)).toEqual(before);
    expect(readdirSync(root).filter((n) => n.startsWith('D.'))).toEqual([]);
  });

  it('over HTTP too: a shard that is not the manifest\'s is refused', async () => {
    const d = path.join(root, 'http');
    const other = path.join(root, 'http-other');
    await writeShardDir(memoryDataset('aaa', 4), d, opts('aaa'));
    await writeShardDir(memoryDataset('bbb', 4), other, opts('bbb'));
    const serve = (i: number) => (i === 1 ? other : d);
    const fetchImpl = ((u: string) => {
      const name = u.split('/').pop()!;
      const m = /shard-(\d+)/.exec(name);
      return Promise.resolve(new Response(readFileSync(path.join(m === null ? d : serve(Number(m[1])), name))));
    }) as typeof fetch;
    const ds = await openShardUrl('https://data.example/aaa/', fetchImpl);
    expect((await ds.sample(1)).label).toBe('aaa1');
    await expect(ds.sample(3)).rejects.toMatchObject({ name: 'ShardMismatchError' });
  });
});
