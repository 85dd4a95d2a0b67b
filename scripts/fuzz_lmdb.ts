/**
 * More fuzz cases for the LMDB reader than CI runs:
 *   node --import ./cli/register.mjs scripts/fuzz_lmdb.ts [--cases 100000] [--seed 1] [--file path/data.mdb] [--tour 64]
 * Without --file: the committed tiny LMDB (full read per case) and every shared LMDB (bounded tour).
 * Exit 1 if anything but a named WebstrError escaped (each such case is printed with its seed).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzz } from '../src/data/lmdb/fuzz.ts';
import { fixtureBytes, hasSharedData, lmdbDir } from '../src/data/testing.ts';
import { readdirSync } from 'node:fs';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const { values } = parseArgs({ options: { cases: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' }, file: { type: 'string' }, tour: { type: 'string', default: '64' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
const targets: { name: string; bytes: Uint8Array; full: boolean }[] = [];
if (values.file !== undefined) targets.push({ name: values.file, bytes: new Uint8Array(await readFile(values.file)), full: false });
else {
  targets.push({ name: 'tiny.mdb', bytes: await fixtureBytes('tiny.mdb'), full: true });
  if (hasSharedData()) {
    for (const d of readdirSync(path.dirname(lmdbDir('x'))).sort()) targets.push({ name: d, bytes: new Uint8Array(await readFile(path.join(lmdbDir(d), 'data.mdb'))), full: false });
  }
}
let bad = 0;
for (const t of targets) {
  const n = t.full ? Math.ceil(cases / 2) : Math.ceil(cases / 2 / Math.max(1, targets.length - 1));
  const r = await fuzz(t.bytes, { cases: n, seed, full: t.full, tour: Number(values.tour) });
  console.log(`${t.name}: ${r.cases} cases in ${(r.totalMs / 1000).toFixed(1)} s (max ${r.maxMs.toFixed(1)} ms/case), ok ${r.ok}, named errors ${JSON.stringify(r.errors)}, escaped ${r.escaped.length}`);
  for (const e of r.escaped.slice(0, 20)) console.log(`  ESCAPED seed=${e.seed} kind=${e.kind}: ${e.error}`);
  bad += r.escaped.length;
}
process.exitCode = bad > 0 ? 1 : 0;
