import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { fixtureBytes, hasSharedData, lmdbDir } from '../testing.ts';
import { fuzzLine } from '../../testing/mutate.ts';
import { memoryByteSource } from '../../runtime/byte_source.ts';
import { exercise, fuzz, type FuzzReport } from './fuzz.ts';

const line = (reader: string, r: FuzzReport): string => fuzzLine({ reader, cases: r.cases, ok: r.ok, named: r.errors, escapes: r.escaped });

// 10,000 cases in CI: 6,000 full reads of the committed tiny LMDB, 4,000 bounded tours of the shared
// real LMDBs. Every case must read or end in a named WebstrError; `scripts/fuzz_lmdb.ts` runs more.
const REAL = ['svt_train_257', 'svt_647', 'iiit5k_3000', 'ic15_2077'];

it('fuzz: 6,000 mutations of the tiny LMDB, full reads, no escapes', async () => {
  const base = await fixtureBytes('tiny.mdb');
  // The control: the unmutated file reads in full, so an error below is the mutation's doing.
  expect(await exercise(memoryByteSource(base), { full: true })).toMatchObject({ ok: true });
  const r = await fuzz(base, { cases: 6000, seed: 1, full: true });
  console.log(line('LMDB (tiny fixture)', r));
  expect(r.escaped).toEqual([]);
  expect(r.cases).toBe(6000);
  // Every mutation kind ran, and the mutations reach each way the reader refuses a file.
  expect(Object.keys(r.kinds).sort()).toEqual(['bitflip', 'bitflip-hot', 'length', 'meta-field', 'overwrite', 'page-header', 'pointer', 'truncate']);
  for (const name of ['LmdbCorruptError', 'LmdbTruncatedError', 'LmdbFormatError', 'UnsupportedLmdbError']) expect(r.errors[name] ?? 0, name).toBeGreaterThan(20);
  expect(r.maxMs).toBeLessThan(2000); // no case comes close to hanging
});

it.skipIf(!hasSharedData())('fuzz: 4,000 mutations of real LMDBs, bounded tours, no escapes', async () => {
  for (const [i, name] of REAL.entries()) {
    const bytes = new Uint8Array(await readFile(path.join(lmdbDir(name), 'data.mdb')));
    const r = await fuzz(bytes, { cases: 1000, seed: 1000 + i, full: false, tour: 64 });
    console.log(line(`LMDB (${name})`, r));
    expect(r.escaped).toEqual([]);
    expect(r.maxMs).toBeLessThan(2000);
  }
});
