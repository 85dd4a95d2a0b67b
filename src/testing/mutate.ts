/**
 * A seeded byte-level mutation fuzzer shared by the readers' fuzz tests (ONNX, image headers): bit flips,
 * byte overwrites, truncation, splices and length-like bytes set to extremes. A case passes when the
 * reader returns or throws a named WebstrError; anything else is an escape.
 */
import { WebstrError } from '../runtime/errors.ts';
import { Rng } from '../image/rng.ts';

const KINDS = ['bitflip', 'overwrite', 'truncate', 'splice', 'extreme', 'duplicate'] as const;
export type MutationKind = (typeof KINDS)[number];

export function mutateBytes(base: Uint8Array, seed: number): { kind: MutationKind; bytes: Uint8Array } {
  const r = new Rng(seed);
  const int = (n: number): number => r.below(n);
  const kind = KINDS[int(KINDS.length)]!;
  let b = new Uint8Array(base); // a copy (Buffer.slice would share memory)
  switch (kind) {
    case 'bitflip':
      for (let i = 1 + int(4); i > 0; i--) b[int(b.length)]! ^= 1 << int(8);
      break;
    case 'overwrite':
      for (let i = 1 + int(3); i > 0; i--) b[int(b.length)] = int(256);
      break;
    case 'truncate':
      b = b.subarray(0, int(b.length));
      break;
    case 'splice': {
      const at = int(b.length);
      const junk = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      b = new Uint8Array([...b.subarray(0, at), ...junk, ...b.subarray(at + int(8))]);
      break;
    }
    case 'extreme': {
      // Length fields and varints: 0x00, 0x7f, 0x80 (continue), 0xff runs.
      const at = int(b.length);
      const v = [0x00, 0x7f, 0x80, 0xff][int(4)]!;
      for (let i = 0; i < 1 + int(8) && at + i < b.length; i++) b[at + i] = v;
      break;
    }
    case 'duplicate': {
      const from = int(b.length);
      const len = 1 + int(64);
      const at = int(b.length);
      b = new Uint8Array([...b.subarray(0, at), ...b.subarray(from, from + len), ...b.subarray(at)]);
      break;
    }
  }
  return { kind, bytes: b };
}

export interface FuzzTally {
  reader: string;
  cases: number;
  ok: number;
  /** Named errors by class name. */
  named: Record<string, number>;
  escapes: { seed: number; kind: string; error: string }[];
}

/** Runs `cases` mutations of each base through `read`; returns the tally (escapes listed with their seed). */
export async function fuzzReader(reader: string, bases: readonly Uint8Array[], cases: number, seed: number, read: (b: Uint8Array) => unknown): Promise<FuzzTally> {
  const t: FuzzTally = { reader, cases: 0, ok: 0, named: {}, escapes: [] };
  for (let i = 0; i < cases; i++) {
    const s = (seed + i * 0x9e3779b1) >>> 0;
    const { kind, bytes } = mutateBytes(bases[i % bases.length]!, s);
    t.cases++;
    try {
      await read(bytes);
      t.ok++;
    } catch (err) {
      if (err instanceof WebstrError) t.named[err.name] = (t.named[err.name] ?? 0) + 1;
      else t.escapes.push({ seed: s, kind, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
  return t;
}

/** The line CI logs show for one reader. */
export function fuzzLine(t: { reader: string; cases: number; ok: number; named: Record<string, number>; escapes: readonly unknown[] }): string {
  return `fuzz ${t.reader}: ${t.cases} cases, ${t.ok} read, named errors ${JSON.stringify(t.named)}, escapes ${t.escapes.length}`;
}
