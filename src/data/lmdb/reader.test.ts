import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobByteSource, cachedByteSource, memoryByteSource } from '../../runtime/byte_source.ts';
import { openDtrbDataset } from '../dtrb.ts';
import { LmdbCorruptError, LmdbFormatError, LmdbTruncatedError, UnsupportedLmdbError } from '../errors.ts';
import { openFileByteSource } from '../node_source.ts';
import { fixtureBytes, fixtureJson, hasSharedData, lmdbDir } from '../testing.ts';
import { LmdbReader } from './reader.ts';

interface DatasetDigest {
  count: number;
  entries: number;
  depth: number;
  psize: number;
  last_pgno: number;
  keys_sha256: string;
  value_bytes: number;
  samples_sha256: string;
  block: number;
  blocks_sha256: string[];
  samples: Record<string, { label: string; image_bytes: number; image_sha256: string }>;
}
interface TinyFixture {
  count: number;
  stat: { depth: number; entries: number };
  samples: { label: string; image_bytes: number; image_sha256: string }[];
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const enc = new TextEncoder();

describe('LmdbReader on the committed tiny LMDB (liblmdb-written)', () => {
  it('reads every sample, in get and in ordered iteration', async () => {
    const tiny = await fixtureJson<TinyFixture>('tiny.json');
    const bytes = await fixtureBytes('tiny.mdb');
    const reader = await LmdbReader.open(memoryByteSource(bytes), { cache: false });
    expect(reader.info.depth).toBe(tiny.stat.depth);
    expect(reader.info.entries).toBe(tiny.stat.entries);
    expect(reader.info.metaPage).toBe(1); // three transactions: txnid 3 lives in meta page 1
    const ds = await openDtrbDataset(memoryByteSource(bytes), { cache: false });
    expect(ds.count).toBe(tiny.count);
    for (const s of tiny.samples.keys()) {
      const got = await ds.sample(s + 1);
      expect(got.label).toBe(tiny.samples[s]!.label);
      expect(got.image.length).toBe(tiny.samples[s]!.image_bytes);
      expect(sha256(got.image)).toBe(tiny.samples[s]!.image_sha256);
    }
    const keys: string[] = [];
    for await (const [k] of reader.entries()) keys.push(new TextDecoder().decode(k));
    expect(keys.length).toBe(tiny.stat.entries);
    expect([...keys].sort()).toEqual(keys);
    expect(await reader.get('image-000000041')).toBeUndefined();
    expect(await reader.get('')).toBeUndefined();
    expect(await reader.get('zzz')).toBeUndefined();
    const from: string[] = [];
    for await (const [k] of reader.entries({ from: 'label-000000039' })) from.push(new TextDecoder().decode(k));
    expect(from).toEqual(['label-000000039', 'label-000000040', 'num-samples']);
  });

  it('reads the same through a Blob (File.slice) and a small block cache', async () => {
    const bytes = await fixtureBytes('tiny.mdb');
    const tiny = await fixtureJson<TinyFixture>('tiny.json');
    const src = cachedByteSource(blobByteSource(new Blob([bytes as BlobPart])), { blockSize: 5000, maxBlocks: 3, readahead: 1 });
    const ds = await openDtrbDataset(src, { cache: false });
    for (let i = 1; i <= ds.count; i++) expect(sha256((await ds.sample(i)).image)).toBe(tiny.samples[i - 1]!.image_sha256);
  });

  it('names what it cannot read', async () => {
    const bytes = await fixtureBytes('tiny.mdb');
    const open = (b: Uint8Array) => LmdbReader.open(memoryByteSource(b), { cache: false });
    await expect(open(new Uint8Array(100))).rejects.toBeInstanceOf(LmdbFormatError);
    await expect(open(enc.encode('hello world'.repeat(100)))).rejects.toBeInstanceOf(LmdbFormatError);
    // Truncated below the last page the meta records.
    await expect(open(bytes.subarray(0, bytes.length - 4096))).rejects.toBeInstanceOf(LmdbTruncatedError);
    // Another data version (npm `lmdb` / LMDB 1.0 writes version 2).
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(20, 2, true);
    await expect(open(v2)).rejects.toThrow(UnsupportedLmdbError);
    // Another page size.
    const ps = bytes.slice();
    new DataView(ps.buffer).setUint32(40, 1024, true);
    await expect(open(ps)).rejects.toThrow(/page size 1024/);
    // 32-bit layout: 4-byte page number, so the magic sits at offset 12.
    const b32 = new Uint8Array(8192);
    new DataView(b32.buffer).setUint32(12, 0xbeefc0de, true);
    await expect(open(b32)).rejects.toThrow(/32-bit/);
    // Dupsort main database.
    const dup = bytes.slice();
    for (const m of [0, 4096]) new DataView(dup.buffer).setUint16(m + 88 + 4, 0x04, true);
    await expect(open(dup)).rejects.toThrow(UnsupportedLmdbError);
  });

  it('detects a cycle and a wrong page number', async () => {
    const bytes = (await fixtureBytes('tiny.mdb')).slice();
    const reader = await LmdbReader.open(memoryByteSource(bytes), { cache: false });
    const root = reader.info.root;
    // Point the branch's second child at the branch itself.
    const v = new DataView(bytes.buffer);
    const ptr = v.getUint16(root * 4096 + 16 + 2, true);
    v.setUint16(root * 4096 + ptr, root, true);
    v.setUint16(root * 4096 + ptr + 2, 0, true);
    const bad = await LmdbReader.open(memoryByteSource(bytes), { cache: false });
    const drain = async () => {
      for await (const _ of bad.entries()) void _;
    };
    await expect(drain()).rejects.toBeInstanceOf(LmdbCorruptError);
  });
});

const digests = await fixtureJson<{ datasets: Record<string, DatasetDigest> }>('lmdb_digests.json');

describe.skipIf(!hasSharedData())('LmdbReader on every LMDB in ../shared/data/lmdb', () => {
  for (const [name, d] of Object.entries(digests.datasets)) {
    it(`${name}: counts, labels and image bytes match liblmdb`, async () => {
      const src = await openFileByteSource(path.join(lmdbDir(name), 'data.mdb'));
      try {
        const ds = await openDtrbDataset(src);
        expect(ds.count).toBe(d.count);
        expect(ds.reader.info.entries).toBe(d.entries);
        expect(ds.reader.info.depth).toBe(d.depth);
        expect(ds.reader.info.lastPage).toBe(d.last_pgno);
        const total = createHash('sha256');
        const blocks: string[] = [];
        let block = createHash('sha256');
        for await (const s of ds.samples()) {
          const rec = `${s.index}\t${s.label}\t${sha256(s.image)}\n`;
          total.update(rec);
          block.update(rec);
          if (s.index % d.block === 0 || s.index === d.count) {
            blocks.push(block.digest('hex'));
            block = createHash('sha256');
          }
          const want = d.samples[String(s.index)];
          if (want !== undefined) {
            expect(s.label).toBe(want.label);
            expect(s.image.length).toBe(want.image_bytes);
            expect(sha256(s.image)).toBe(want.image_sha256);
          }
        }
        expect(blocks).toEqual(d.blocks_sha256);
        expect(total.digest('hex')).toBe(d.samples_sha256);
        const keys = createHash('sha256');
        let n = 0;
        let valueBytes = 0;
        for await (const [k, v] of ds.reader.entries()) {
          const len = new Uint8Array(4);
          new DataView(len.buffer).setUint32(0, k.length, true);
          keys.update(len).update(k);
          valueBytes += v.length;
          n++;
        }
        expect(n).toBe(d.entries);
        expect(valueBytes).toBe(d.value_bytes);
        expect(keys.digest('hex')).toBe(d.keys_sha256);
      } finally {
        await src.close();
      }
    });
  }
});
