import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { fixtureBytes, hasSharedData, lmdbDir } from '../testing.ts';
import { fuzz } from './fuzz.ts';

// 10,000 cases in CI: 6,000 full reads of the committed tiny LMDB, 4,000 bounded tours of the shared
// real LMDBs. Every case must read or end in a named WebstrError; `scripts/fuzz_lmdb.ts` runs more.
const REAL = ['svt_train_257', 'svt_647', 'iiit5k_3000', 'ic15_2077'];

it('fuzz: 6,000 mutations of the tiny LMDB, full reads, no escapes', async () => {
  const r = await fuzz(await fixtureBytes('tiny.mdb'), { cases: 6000, seed: 1, full: true });
  expect(r.escaped).toEqual([]);
  expect(r.cases).toBe(6000);
  expect(r.ok).toBeLessThan(r.cases); // the mutations do bite
  expect(r.maxMs).toBeLessThan(2000); // no case comes close to hanging
});

it.skipIf(!hasSharedData())('fuzz: 4,000 mutations of real LMDBs, bounded tours, no escapes', async () => {
  for (const [i, name] of REAL.entries()) {
    const bytes = new Uint8Array(await readFile(path.join(lmdbDir(name), 'data.mdb')));
    const r = await fuzz(bytes, { cases: 1000, seed: 1000 + i, full: false, tour: 64 });
    expect(r.escaped).toEqual([]);
    expect(r.maxMs).toBeLessThan(2000);
  }
});
