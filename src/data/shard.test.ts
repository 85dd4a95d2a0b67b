import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { memoryByteSource } from '../runtime/byte_source.ts';
import { openDtrbDataset } from './dtrb.ts';
import { ShardChecksumError, ShardFormatError, UnsupportedShardVersionError } from './errors.ts';
import { openDatasetPath, openShardDir } from './node_shards.ts';
import { Shard, crc32, encodeShard, shardFileName } from './shard.ts';
import { openShardUrl } from './sharded.ts';
import { fixtureBytes, hasSharedData, lmdbDir } from './testing.ts';

const enc = new TextEncoder();

describe('shard format', () => {
  it('CRC-32 is zlib crc32', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const data = enc.encode('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32(data.subarray(7), crc32(data.subarray(0, 7)))).toBe(0x414fa339);
  });

  it('round-trips samples and rejects damage with named errors', () => {
    const samples = [
      { index: 7, label: 'Ünïcode wörd', image: new Uint8Array([1, 2, 3]) },
      { index: 8, label: '', image: new Uint8Array(0) },
      { index: 9, label: 'x', image: new Uint8Array(5000).fill(9) },
    ];
    const bytes = encodeShard(samples);
    const shard = Shard.decode(bytes);
    expect([...shard.samples()]).toEqual(samples);
    const flipped = bytes.slice();
    flipped[100]! ^= 1;
    expect(() => Shard.decode(flipped)).toThrow(ShardChecksumError);
    expect(() => Shard.decode(bytes.subarray(0, bytes.length - 1))).toThrow(ShardFormatError);
    const v2 = bytes.slice();
    v2[8] = 2;
    expect(() => Shard.decode(v2)).toThrow(UnsupportedShardVersionError);
    expect(() => Shard.decode(enc.encode('not a shard at all, no no no'))).toThrow(ShardFormatError);
  });
});

describe('convert: LMDB → shard folder → readers', () => {
  it('the tiny LMDB through `webstr convert` reads back identically, from disk and over HTTP', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'webstr-shards-'));
    try {
      const tiny = await fixtureBytes('tiny.mdb');
      const lmdb = path.join(dir, 'tiny');
      const { mkdir } = await import('node:fs/promises');
      await mkdir(lmdb);
      await writeFile(path.join(lmdb, 'data.mdb'), tiny);
      const out = path.join(dir, 'out');
      expect(await main(['convert', lmdb, '--out', out, '--samples-per-shard', '16', '--json'])).toBe(0);
      expect(await main(['convert', path.join(dir, 'nope'), '--out', out])).toBe(1);
      expect(await main(['convert', lmdb])).toBe(2);
      const src = await openDtrbDataset(memoryByteSource(tiny), { cache: false });
      const disk = await openShardDir(out);
      expect(disk.count).toBe(40);
      expect(disk.manifest.shards.map((s) => s.count)).toEqual([16, 16, 8]);
      expect(disk.manifest.stats.labels).toBe(40);
      for (let i = 1; i <= 40; i++) expect(await disk.sample(i)).toEqual(await src.sample(i));
      // The same folder over HTTP (a fetch that serves the folder).
      const fakeFetch = (async (url: string) => {
        const file = path.join(out, url.replace('http://x/data/', ''));
        try {
          return new Response(await readFile(file));
        } catch {
          return new Response('missing', { status: 404 });
        }
      }) as unknown as typeof fetch;
      const http = await openShardUrl('http://x/data', fakeFetch);
      const got = [];
      for await (const s of http.samples({ start: 15, limit: 4 })) got.push(s);
      expect(got).toEqual(await Promise.all([15, 16, 17, 18].map((i) => src.sample(i))));
      // A damaged shard file is caught on read.
      const f = path.join(out, shardFileName(1));
      const b = await readFile(f);
      b[200]! ^= 0x40;
      await writeFile(f, b);
      const again = await openShardDir(out);
      await expect(again.sample(20)).rejects.toBeInstanceOf(ShardChecksumError);
      // openDatasetPath takes either form.
      const pa = await openDatasetPath(out);
      const pb = await openDatasetPath(lmdb);
      expect([pa.kind, pa.name, pa.dataset.count, pb.kind, pb.name, pb.dataset.count]).toEqual(['shards', 'tiny', 40, 'lmdb', 'tiny', 40]);
      await pb.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasSharedData())('svt_647 converts with every sample intact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'webstr-shards-'));
    try {
      expect(await main(['convert', lmdbDir('svt_647'), '--out', dir, '--json'])).toBe(0);
      const sharded = await openShardDir(dir);
      const { openFileByteSource } = await import('./node_source.ts');
      const src = await openFileByteSource(path.join(lmdbDir('svt_647'), 'data.mdb'));
      const ds = await openDtrbDataset(src);
      expect(sharded.count).toBe(647);
      for await (const s of ds.samples()) {
        const t = await sharded.sample(s.index);
        expect([t.index, t.label]).toEqual([s.index, s.label]);
        expect(Buffer.compare(t.image, s.image)).toBe(0);
      }
      await src.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
