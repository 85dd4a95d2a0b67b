/**
 * Structure-aware fuzzing of the LMDB reader: mutations of a real liblmdb file (bit flips, truncation,
 * page-pointer, length and meta-field corruption) applied as an overlay on reads, so a case costs only
 * what the reader touches. Used by fuzz.test.ts (CI) and scripts/fuzz_lmdb.ts (more cases on demand).
 * The property: every case either reads or fails with a WebstrError; nothing else is thrown, nothing hangs.
 */
import type { ByteSource } from '../../runtime/byte_source.ts';
import { checkRange } from '../../runtime/byte_source.ts';
import { WebstrError } from '../../runtime/errors.ts';
import { openDtrbDataset } from '../dtrb.ts';
import { LmdbReader } from './reader.ts';
import { Rng } from '../../image/rng.ts';
import { NODESIZE, P_BRANCH, P_LEAF, P_OVERFLOW, PAGEHDRSZ } from './format.ts';

/** Where the interesting bytes of a clean file are: page headers, node headers, pointers, meta fields. */
export interface FileMap {
  psize: number;
  pages: { pgno: number; flags: number; nodes: number[] }[];
  overflowHeads: number[];
  /** Byte offsets of u64 page numbers: branch children (as lo/hi/flags), overflow pointers. */
  pointers: { at: number; kind: 'branch' | 'overflow' }[];
  /** Pages a light exercise touches first (meta, root, branches, first leaves). */
  hot: number[];
}

export function mapFile(bytes: Uint8Array, psize = 4096, maxPages = 4096): FileMap {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pages: FileMap['pages'] = [];
  const overflowHeads: number[] = [];
  const pointers: FileMap['pointers'] = [];
  const nPages = Math.floor(bytes.byteLength / psize);
  for (let p = 2; p < nPages && pages.length < maxPages; p++) {
    const base = p * psize;
    if (v.getUint32(base, true) !== p) continue;
    const flags = v.getUint16(base + 10, true);
    if (flags & P_OVERFLOW) {
      overflowHeads.push(p);
      continue;
    }
    if (!(flags & (P_BRANCH | P_LEAF))) continue;
    const lower = v.getUint16(base + 12, true);
    const nodes: number[] = [];
    for (let i = 0; i < (lower - PAGEHDRSZ) >> 1; i++) {
      const ptr = v.getUint16(base + PAGEHDRSZ + 2 * i, true);
      nodes.push(base + ptr);
      if (flags & P_BRANCH) pointers.push({ at: base + ptr, kind: 'branch' });
      else if (v.getUint16(base + ptr + 4, true) & 1) pointers.push({ at: base + ptr + NODESIZE + v.getUint16(base + ptr + 6, true), kind: 'overflow' });
    }
    pages.push({ pgno: p, flags, nodes });
  }
  const root = Number(v.getBigUint64(psize + 16 + 24 + 48 + 40, true));
  const hot = [0, 1, root, ...pages.filter((p) => p.flags & P_BRANCH).map((p) => p.pgno).slice(0, 8), ...pages.filter((p) => p.flags & P_LEAF).map((p) => p.pgno).slice(0, 2)];
  return { psize, pages, overflowHeads, pointers, hot };
}

/** A mutation: byte patches over the clean file, and possibly a shorter length. */
export interface Mutation {
  kind: string;
  patches: { at: number; bytes: Uint8Array }[];
  size: number;
}

export function overlaySource(base: Uint8Array, m: Mutation): ByteSource {
  return {
    size: m.size,
    read(offset, length) {
      try {
        checkRange(m.size, offset, length);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      let out: Uint8Array | undefined;
      for (const p of m.patches) {
        const lo = Math.max(offset, p.at);
        const hi = Math.min(offset + length, p.at + p.bytes.length);
        if (lo >= hi) continue;
        out ??= base.slice(offset, offset + length);
        out.set(p.bytes.subarray(lo - p.at, hi - p.at), lo - offset);
      }
      return Promise.resolve(out ?? base.subarray(offset, offset + length));
    },
  };
}

const KINDS = ['bitflip', 'bitflip-hot', 'truncate', 'pointer', 'length', 'page-header', 'meta-field', 'overwrite'] as const;

function u64le(n: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, n >>> 0, true);
  v.setUint32(4, Math.floor(n / 2 ** 32) >>> 0, true);
  return b;
}

export function mutate(base: Uint8Array, map: FileMap, seed: number): Mutation {
  const rand = new Rng(seed);
  const r = (): number => rand.next();
  const int = (n: number): number => rand.below(n);
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[int(xs.length)]);
  const ps = map.psize;
  const nPages = Math.floor(base.length / ps);
  /** A page number worth trying: near, self, zero, meta, the end, beyond it, or huge. */
  const evilPgno = (): number => pick([0, 1, 2, nPages - 1, nPages, nPages + 1, int(nPages), 2 ** 31, 2 ** 32 + 2, 0xffffffff, 2 ** 52, int(2 ** 48)])!;
  const evilLen = (): number => pick([0, 1, 7, 8, ps - 1, ps, ps + 1, 0xffff, 0x10000, 0xffffffff, int(0xffff), int(ps)])!;
  const kind = KINDS[int(KINDS.length)]!;
  const patches: Mutation['patches'] = [];
  let size = base.length;
  const setBytes = (at: number, bytes: Uint8Array) => {
    if (at >= 0 && at + bytes.length <= base.length) patches.push({ at, bytes });
  };
  const u16 = (n: number) => new Uint8Array([n & 0xff, (n >> 8) & 0xff]);
  const u32 = (n: number) => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
  const flip = (at: number) => {
    if (at < 0 || at >= base.length) return;
    setBytes(at, new Uint8Array([base[at]! ^ (1 << int(8))]));
  };
  const hotByte = (): number => {
    const page = pick(map.hot)!;
    return page * ps + (r() < 0.6 ? int(PAGEHDRSZ + 64) : int(ps));
  };
  switch (kind) {
    case 'bitflip':
      for (let i = 1 + int(8); i > 0; i--) flip(int(base.length));
      break;
    case 'bitflip-hot':
      for (let i = 1 + int(4); i > 0; i--) flip(hotByte());
      break;
    case 'truncate':
      size = r() < 0.5 ? int(base.length) : Math.max(0, base.length - 1 - int(4 * ps));
      break;
    case 'pointer': {
      const p = pick(map.pointers);
      if (p === undefined) break;
      const pg = evilPgno();
      if (p.kind === 'overflow') setBytes(p.at, u64le(pg));
      else {
        setBytes(p.at, u16(pg & 0xffff));
        setBytes(p.at + 2, u16((pg >>> 16) & 0xffff));
        setBytes(p.at + 4, u16(Math.floor(pg / 2 ** 32) & 0xffff));
      }
      break;
    }
    case 'length': {
      const page = pick(map.pages);
      const node = page === undefined ? undefined : pick(page.nodes);
      if (node === undefined) break;
      const field = int(3); // lo/hi (data size), ksize
      if (field === 0) setBytes(node, u16(evilLen() & 0xffff));
      else if (field === 1) setBytes(node + 2, u16(evilLen() & 0xffff));
      else setBytes(node + 6, u16(evilLen() & 0xffff));
      break;
    }
    case 'page-header': {
      const pg = r() < 0.3 ? pick(map.overflowHeads) : pick(map.pages)?.pgno;
      if (pg === undefined) break;
      const at = pg * ps;
      const field = int(5);
      if (field === 0) setBytes(at, u64le(evilPgno()));
      else if (field === 1) setBytes(at + 10, u16(pick([0, 1, 2, 4, 8, 0x20, 0x40, 0xffff])!));
      else if (field === 2) setBytes(at + 12, u16(evilLen() & 0xffff));
      else if (field === 3) setBytes(at + 14, u16(evilLen() & 0xffff));
      else setBytes(at + 12, u32(evilLen()));
      break;
    }
    case 'meta-field': {
      const meta = int(2) * ps;
      const field = int(7);
      const db = meta + 16 + 24 + 48;
      if (field === 0) setBytes(db + 40, u64le(evilPgno())); // root
      else if (field === 1) setBytes(db + 6, u16(pick([0, 1, 2, 3, 31, 32, 33, 0xffff])!)); // depth
      else if (field === 2) setBytes(db + 32, u64le(pick([0, 1, 2 ** 40, int(1e6)])!)); // entries
      else if (field === 3) setBytes(meta + 16 + 120, u64le(evilPgno())); // last_pg
      else if (field === 4) setBytes(meta + 16 + 128, u64le(pick([0, 1, 2 ** 40, 2 ** 53 + 7])!)); // txnid
      else if (field === 5) setBytes(meta + 40, u32(pick([0, 512, 1024, 8192, 4095, 0xffffffff])!)); // psize
      else setBytes(db + 4, u16(pick([1, 2, 4, 8, 0x80, 0xffff])!)); // flags
      break;
    }
    case 'overwrite': {
      const at = r() < 0.5 ? hotByte() : int(base.length);
      const len = 1 + int(64);
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = int(256);
      setBytes(Math.min(at, base.length - len), bytes);
      break;
    }
  }
  return { kind, patches, size };
}

export interface FuzzOutcome {
  ok: boolean;
  /** Error name when the case failed as it should (a named WebstrError). */
  error?: string;
  /** Set when something other than a WebstrError escaped: a bug. */
  escaped?: unknown;
  ms: number;
}

/**
 * Reads a (possibly mutated) file the way the app does. `full`: every entry and every sample (tiny
 * files); otherwise a bounded tour: the first `tour` entries, a few samples, the last one.
 */
export async function exercise(src: ByteSource, opts: { full: boolean; tour?: number }): Promise<FuzzOutcome> {
  const t0 = performance.now();
  try {
    const reader = await LmdbReader.open(src, { cache: false, maxValueBytes: 64 * 1024 * 1024 });
    let n = 0;
    const tour = opts.full ? Infinity : (opts.tour ?? 64);
    for await (const _ of reader.entries()) {
      void _;
      if (++n >= tour) break;
    }
    n = 0;
    for await (const _ of reader.entries({ from: 'label-000000002' })) {
      void _;
      if (++n >= 8) break;
    }
    const ds = await openDtrbDataset(src, { cache: false, maxValueBytes: 64 * 1024 * 1024 });
    if (opts.full) {
      for await (const s of ds.samples()) void s;
    } else {
      for await (const s of ds.samples({ limit: 8 })) void s;
      if (ds.count > 0) await ds.sample(ds.count);
    }
    return { ok: true, ms: performance.now() - t0 };
  } catch (err) {
    const ms = performance.now() - t0;
    if (err instanceof WebstrError) return { ok: false, error: err.name, ms };
    return { ok: false, escaped: err, ms };
  }
}

export interface FuzzReport {
  cases: number;
  ok: number;
  errors: Record<string, number>;
  kinds: Record<string, number>;
  escaped: { seed: number; kind: string; error: string }[];
  maxMs: number;
  totalMs: number;
}

export async function fuzz(base: Uint8Array, opts: { cases: number; seed: number; full: boolean; tour?: number }): Promise<FuzzReport> {
  const map = mapFile(base);
  const report: FuzzReport = { cases: 0, ok: 0, errors: {}, kinds: {}, escaped: [], maxMs: 0, totalMs: 0 };
  const t0 = performance.now();
  for (let i = 0; i < opts.cases; i++) {
    const seed = (opts.seed + i * 0x9e3779b1) >>> 0;
    const m = mutate(base, map, seed);
    const out = await exercise(overlaySource(base, m), opts);
    report.cases++;
    report.kinds[m.kind] = (report.kinds[m.kind] ?? 0) + 1;
    report.maxMs = Math.max(report.maxMs, out.ms);
    if (out.ok) report.ok++;
    else if (out.error !== undefined) report.errors[out.error] = (report.errors[out.error] ?? 0) + 1;
    else report.escaped.push({ seed, kind: m.kind, error: out.escaped instanceof Error ? `${out.escaped.name}: ${out.escaped.message}` : String(out.escaped) });
  }
  report.totalMs = performance.now() - t0;
  return report;
}
