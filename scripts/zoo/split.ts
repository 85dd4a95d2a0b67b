/**
 * The zoo's training / validation data (issue 17): each shared *training* LMDB split into a training part
 * and a held-out part by a fixed rule (sample i is held out when hash(name, i) mod `--every` is 0), as
 * shard folders; the held-out parts of all splits merged, in a seeded shuffle, into one validation folder
 * (so `--val-limit N` takes a mix). Test splits are refused.
 *
 *   node --import ./cli/register.mjs scripts/zoo/split.ts [--lmdb ../shared/data/lmdb] [--out .zoo/data] [--every 10]
 *
 * Writes `<out>/<name>_train/` for iiit5k_train_2000, ic15_train_4468, svt_train_257 and `<out>/zoo_val/`.
 * Same inputs, same folders (deterministic); an existing folder with a manifest is kept.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDtrbDataset, samplesInOrder, type DtrbDataset, type Sample } from '../../src/data/dtrb.ts';
import { openFileByteSource } from '../../src/data/node_source.ts';
import { writeShardDir } from '../../src/data/node_shards.ts';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

export const ZOO_TRAIN_SPLITS = ['iiit5k_train_2000', 'ic15_train_4468', 'svt_train_257'] as const;
const TEST_SPLITS = ['iiit5k_3000', 'svt_647', 'ic15_2077'];

/** FNV-1a of `name#i`: the held-out rule, independent of the machine and of the order of reading. */
export function heldOut(name: string, index: number, every: number): boolean {
  let h = 0x811c9dc5;
  for (const ch of `${name}#${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % every === 0;
}

/** A view of samples picked from datasets, renumbered 1..n. */
class Picked implements DtrbDataset {
  constructor(private readonly picks: { ds: DtrbDataset; index: number }[]) {}
  get count(): number {
    return this.picks.length;
  }
  async sample(k: number): Promise<Sample> {
    const p = this.picks[k - 1]!;
    const s = await p.ds.sample(p.index);
    return { ...s, index: k };
  }
  samples(opts: { limit?: number; start?: number } = {}): AsyncIterable<Sample> {
    return samplesInOrder(this, opts);
  }
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { lmdb: { type: 'string', default: '../shared/data/lmdb' }, out: { type: 'string', default: '.zoo/data' }, every: { type: 'string', default: '10' } } });
  const every = Number(values.every);
  const val: { ds: DtrbDataset; index: number }[] = [];
  for (const name of ZOO_TRAIN_SPLITS) {
    if (TEST_SPLITS.includes(name)) throw new Error(`${name} is a test split`);
    const src = await openFileByteSource(path.join(values.lmdb, name, 'data.mdb'));
    const ds = await openDtrbDataset(src);
    const train: { ds: DtrbDataset; index: number }[] = [];
    for (let i = 1; i <= ds.count; i++) (heldOut(name, i, every) ? val : train).push({ ds, index: i });
    const dir = path.join(values.out, `${name}_train`);
    if (!(await exists(path.join(dir, 'manifest.json')))) {
      await writeShardDir(new Picked(train), dir, { name: `${name}_train`, source: { kind: 'lmdb', name: path.resolve(values.lmdb, name), bytes: src.size } });
    }
    console.log(`${name}: ${train.length} training, ${ds.count - train.length} held out → ${dir}`);
  }
  // Seeded Fisher–Yates (xorshift32) so a prefix of the validation set mixes the three sources.
  let s = 0x2545f491;
  for (let i = val.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [val[i], val[j]] = [val[j]!, val[i]!];
  }
  const dir = path.join(values.out, 'zoo_val');
  if (!(await exists(path.join(dir, 'manifest.json')))) {
    await writeShardDir(new Picked(val), dir, { name: 'zoo_val', source: { kind: 'lmdb', name: `held out 1/${every} of ${ZOO_TRAIN_SPLITS.join(', ')}`, bytes: 0 } });
  }
  console.log(`validation: ${val.length} held-out samples → ${dir}`);
}

await main();
