import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WebstrError } from '../../runtime/errors.ts';
import { readStateDict } from './index.ts';
import { unpickle } from './pickle.ts';
import { StorageRef, STORAGE_TYPES, TORCH_CONSTRUCTORS, TORCH_DATA_GLOBALS } from './tensors.ts';
import pickles from './fixtures/pickles.json';
import { fuzzLine } from '../../testing/mutate.ts';
import { Rng } from '../../image/rng.ts';

// Truncations and bit flips of real checkpoints and pickles: every case must end in a valid result or a
// named WebstrError (never a TypeError/RangeError, a hang or a crash). Seeded, so failures reproduce.

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const FILES = ['dtrb_zip.pth', 'dtrb_legacy.pth', 'dtrb_proto4_nested.pth', 'views_zip.pth', 'views_legacy.pth', 'deflate.pth', 'legacy_views_bigendian.pth'];

function outcome(err: unknown, label: string): string {
  if (err instanceof WebstrError) return err.name;
  throw new Error(`${label}: unnamed failure ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
}

async function attempt(bytes: Uint8Array, label: string, verifyCrc: boolean): Promise<string> {
  try {
    await readStateDict(bytes, { verifyCrc });
    return 'ok';
  } catch (err) {
    return outcome(err, label);
  }
}

function tally(counts: Map<string, number>, k: string): void {
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

/** The per-reader line CI logs show (an unnamed failure throws in `outcome`, so escapes are 0 here). */
function log(reader: string, counts: Map<string, number>): void {
  const named = Object.fromEntries([...counts].filter(([k]) => k !== 'ok'));
  const cases = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(fuzzLine({ reader, cases, ok: counts.get('ok') ?? 0, named, escapes: [] }));
}

describe('fuzz: truncated and bit-flipped checkpoints', () => {
  it('every truncation of every fixture fails with a named error', async () => {
    const counts = new Map<string, number>();
    const rand = new Rng(1);
    for (const file of FILES) {
      const bytes = fixture(file);
      // The first 64 bytes exhaustively, then 150 random cut points.
      const cuts = [...Array.from({ length: 64 }, (_, i) => i), ...Array.from({ length: 150 }, () => rand.below(bytes.length))];
      for (const cut of cuts) {
        const r = await attempt(bytes.subarray(0, cut), `${file} cut at ${cut}`, true);
        tally(counts, r);
        expect(r, `${file} cut at ${cut}`).not.toBe('ok');
      }
    }
    log('.pth (truncations)', counts);
    expect(counts.get('CheckpointFormatError')).toBeGreaterThan(1000);
  });

  it('random bit flips end in a named error or a result (CRC on and off)', async () => {
    const counts = new Map<string, number>();
    const rand = new Rng(2);
    for (const file of FILES) {
      const clean = fixture(file);
      for (let n = 0; n < 250; n++) {
        const bytes = clean.slice();
        const flips = 1 + rand.below(4);
        for (let f = 0; f < flips; f++) bytes[rand.below(bytes.length)]! ^= 1 << rand.below(8);
        tally(counts, await attempt(bytes, `${file} flip #${n}`, n % 2 === 0));
      }
    }
    log('.pth (bit flips)', counts);
    // Flips land in storages as often as in structure: both outcomes must occur.
    expect(counts.get('ok')).toBeGreaterThan(0);
    expect(counts.get('CheckpointFormatError')).toBeGreaterThan(0);
  });

  it('random byte overwrites inside pickles, all protocols', () => {
    const counts = new Map<string, number>();
    const rand = new Rng(3);
    const opts = { constructors: TORCH_CONSTRUCTORS, dataGlobals: TORCH_DATA_GLOBALS };
    for (const c of pickles.cases) {
      const clean = new Uint8Array(Buffer.from(c.base64, 'base64'));
      for (let n = 0; n < 300; n++) {
        const bytes = clean.slice();
        const edits = 1 + rand.below(3);
        for (let e = 0; e < edits; e++) bytes[rand.below(bytes.length)] = rand.below(256);
        const end = rand.next() < 0.2 ? rand.below(bytes.length) : bytes.length;
        try {
          unpickle(bytes.subarray(0, end), 0, opts);
          tally(counts, 'ok');
        } catch (err) {
          tally(counts, outcome(err, `protocol ${c.protocol} edit #${n}`));
        }
      }
    }
    log('.pth pickles (byte overwrites)', counts);
    expect(counts.get('CheckpointFormatError')).toBeGreaterThan(500);
  });

  it('random opcode programs (with the torch globals and persistent ids in reach)', () => {
    const counts = new Map<string, number>();
    const rand = new Rng(4);
    const enc = (t: string): number[] => Array.from(t, (c) => c.charCodeAt(0));
    // Opcodes with plausible arguments; globals from the allow-list so REDUCE reaches the constructors.
    const pieces: number[][] = [
      [0x28], [0x2e], [0x30], [0x31], [0x32], [0x4e], [0x88], [0x89], [0x29], [0x74], [0x85], [0x86], [0x87],
      [0x5d], [0x6c], [0x7d], [0x64], [0x8f], [0x91], [0x61], [0x65], [0x73], [0x75], [0x90], [0x52], [0x81],
      [0x92], [0x62], [0x51], [0x94], [0x4b, 0], [0x4b, 2], [0x4b, 255], [0x4d, 1, 1], [0x4a, 255, 255, 255, 255],
      [0x8a, 1, 0x80], [0x68, 0], [0x68, 1], [0x71, 0], [0x71, 1], [0x8c, 1, 0x61], [0x8c, 7, ...enc('storage')],
      [0x58, 1, 0, 0, 0, 0x30], [0x43, 2, 1, 2], [0x47, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
      enc('ccollections\nOrderedDict\n'), enc('ctorch._utils\n_rebuild_tensor_v2\n'), enc('ctorch._utils\n_rebuild_tensor\n'),
      enc('ctorch._utils\n_rebuild_parameter\n'), enc('ctorch\nFloatStorage\n'), enc('ctorch\nHalfStorage\n'),
    ];
    const storage = new StorageRef('0', 'FloatStorage', STORAGE_TYPES.get('FloatStorage')!, 4);
    const opts = { constructors: TORCH_CONSTRUCTORS, dataGlobals: TORCH_DATA_GLOBALS, persistentLoad: () => storage };
    for (let n = 0; n < 4000; n++) {
      const prog: number[] = [0x80, 2];
      const len = 1 + rand.below(40);
      for (let i = 0; i < len; i++) prog.push(...pieces[rand.below(pieces.length)]!);
      prog.push(0x2e);
      try {
        unpickle(new Uint8Array(prog), 0, opts);
        tally(counts, 'ok');
      } catch (err) {
        tally(counts, outcome(err, `program #${n} [${prog.join(',')}]`));
      }
    }
    log('.pth pickles (opcode programs)', counts);
    expect(counts.get('ok')).toBeGreaterThan(0);
    expect(counts.get('CheckpointFormatError')).toBeGreaterThan(0);
  });
});
