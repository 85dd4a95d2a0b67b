/**
 * A read-only reader for `data.mdb` files written by liblmdb 0.9.x (what Python's `lmdb` and every
 * reference code base write): meta pages, B+tree branch/leaf pages, overflow runs, key lookup and ordered
 * iteration of the main database. It reads through a random-access ByteSource, one page (or one value) at
 * a time, so a multi-GB file is never in memory.
 *
 * Every page number, offset and length is checked against the file before use; each page must carry its
 * own page number and the flags its position requires; leaves must sit exactly at the tree's depth;
 * iteration visits each page once and keys must strictly increase. So a corrupt, truncated or malicious
 * file ends in a named error (LmdbFormatError, UnsupportedLmdbError, LmdbCorruptError,
 * LmdbTruncatedError), never a hang, a crash or a huge allocation.
 */
import { type ByteSource, cachedByteSource } from '../../runtime/byte_source.ts';
import { LmdbCorruptError, LmdbFormatError, LmdbTruncatedError, UnsupportedLmdbError } from '../errors.ts';
import {
  DB_SIZE,
  F_BIGDATA,
  F_DUPDATA,
  MAIN_DBI,
  MAX_DEPTH,
  MDB_DATA_VERSION,
  MDB_MAGIC,
  META,
  NODESIZE,
  P_BRANCH,
  P_LEAF,
  P_LEAF2,
  P_META,
  P_OVERFLOW,
  P_SUBP,
  PAGEHDRSZ,
  PERSISTENT_DB_FLAGS,
} from './format.ts';

export interface LmdbInfo {
  pageSize: number;
  /** Highest page number in use (meta `last_pg`). */
  lastPage: number;
  txnid: number;
  /** Which meta page (0 or 1) was chosen. */
  metaPage: number;
  depth: number;
  entries: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
  /** Root page of the main database, or -1 when it is empty. */
  root: number;
  fileSize: number;
}

export interface LmdbReaderOptions {
  /** Values larger than this are reported as corrupt instead of being allocated (default 256 MiB). */
  maxValueBytes?: number;
  /** Put a block cache in front of the source (default true; pass false for an in-memory source). */
  cache?: boolean | { blockSize?: number; maxBlocks?: number; readahead?: number };
}

const TWO32 = 2 ** 32;
/** Page sizes liblmdb writes: the OS page size (4 KiB on x86-64, 16 KiB on Apple Silicon, 64 KiB on some ARM/POWER). */
const SUPPORTED_PAGE_SIZES = new Set([4096, 8192, 16384, 32768, 65536]);

interface Page {
  pgno: number;
  bytes: Uint8Array;
  view: DataView;
  flags: number;
  /** Number of nodes. */
  n: number;
}

interface Node {
  flags: number;
  key: Uint8Array;
  /** Leaf: data size; branch: unused. */
  size: number;
  /** Offset of the data (leaf) within the page. */
  dataAt: number;
  /** Branch: child page number. */
  child: number;
}

/** State of one ordered walk: each page once, keys strictly increasing, at most `entries` of them. */
interface Walk {
  from: Uint8Array | undefined;
  seen: Set<number>;
  count: number;
  prev: Uint8Array | undefined;
}

export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const encoder = new TextEncoder();
function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? encoder.encode(key) : key;
}

function u64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getUint32(at + 4, true);
  // Above 2^53 no page number or count is plausible; keep the value exact only where it can be real.
  return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * TWO32 + lo;
}

export class LmdbReader {
  readonly info: LmdbInfo;
  private readonly src: ByteSource;
  private readonly psize: number;
  private readonly maxValueBytes: number;

  private constructor(src: ByteSource, info: LmdbInfo, maxValueBytes: number) {
    this.src = src;
    this.info = info;
    this.psize = info.pageSize;
    this.maxValueBytes = maxValueBytes;
  }

  static async open(source: ByteSource, opts: LmdbReaderOptions = {}): Promise<LmdbReader> {
    const cache = opts.cache ?? true;
    const src = cache === false ? source : cachedByteSource(source, cache === true ? {} : cache);
    const info = await readMeta(src);
    return new LmdbReader(src, info, opts.maxValueBytes ?? 256 * 1024 * 1024);
  }

  /**
   * The value stored under `key`, or undefined. By default a buffer of its own; with `copy: false` it
   * may be a view into a cached read block (never written to, but keeping it keeps the block alive).
   */
  async get(key: string | Uint8Array, opts: { copy?: boolean } = {}): Promise<Uint8Array | undefined> {
    const k = keyBytes(key);
    if (this.info.root < 0) return undefined;
    let pgno = this.info.root;
    const seen = new Set<number>();
    for (let level = 1; ; level++) {
      if (seen.has(pgno)) throw new LmdbCorruptError(`page cycle: page ${pgno} is reached twice on the path to a key`);
      seen.add(pgno);
      const page = await this.page(pgno, level < this.info.depth ? P_BRANCH : P_LEAF, level);
      if (page.flags & P_BRANCH) {
        // Largest i with key_i <= k; node 0's key stands for -infinity (mdb_page_search_root).
        let lo = 1;
        let hi = page.n - 1;
        let found = 0;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          const c = compareKeys(this.node(page, mid).key, k);
          if (c <= 0) {
            found = mid;
            lo = mid + 1;
          } else hi = mid - 1;
        }
        pgno = this.node(page, found).child;
        continue;
      }
      let lo = 0;
      let hi = page.n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const node = this.node(page, mid);
        const c = compareKeys(node.key, k);
        if (c === 0) return this.value(page, node, opts.copy ?? true);
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    }
  }

  /**
   * All entries in key order, from `from` (inclusive) when given. Keys and values are fresh copies.
   * Each page is visited once and keys must strictly increase, so a corrupt tree cannot loop.
   */
  async *entries(opts: { from?: string | Uint8Array } = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    if (this.info.root < 0) return;
    const walk: Walk = { from: opts.from === undefined ? undefined : keyBytes(opts.from), seen: new Set(), count: 0, prev: undefined };
    yield* this.walk(walk, this.info.root, 1, undefined);
  }

  private async *walk(w: Walk, pgno: number, level: number, lower: Uint8Array | undefined): AsyncGenerator<[Uint8Array, Uint8Array]> {
    if (w.seen.has(pgno)) throw new LmdbCorruptError(`page cycle: page ${pgno} is referenced twice in the tree`);
    w.seen.add(pgno);
    const page = await this.page(pgno, level < this.info.depth ? P_BRANCH : P_LEAF, level);
    if (page.flags & P_BRANCH) {
      let start = 0;
      if (w.from !== undefined) {
        for (let i = 1; i < page.n; i++) {
          if (compareKeys(this.node(page, i).key, w.from) <= 0) start = i;
          else break;
        }
      }
      for (let i = start; i < page.n; i++) {
        const node = this.node(page, i);
        yield* this.walk(w, node.child, level + 1, i === 0 ? lower : node.key);
      }
      return;
    }
    for (let i = 0; i < page.n; i++) {
      const node = this.node(page, i);
      if (w.prev !== undefined && compareKeys(w.prev, node.key) >= 0) {
        throw new LmdbCorruptError(`keys out of order on page ${pgno} (node ${i})`);
      }
      if (lower !== undefined && compareKeys(node.key, lower) < 0) {
        throw new LmdbCorruptError(`key on leaf page ${pgno} lies below its branch separator`);
      }
      w.prev = node.key;
      if (++w.count > this.info.entries) {
        throw new LmdbCorruptError(`more entries in the tree than the ${this.info.entries} the meta page records`);
      }
      if (w.from !== undefined && compareKeys(node.key, w.from) < 0) continue;
      const value = await this.value(page, node);
      yield [node.key.slice(), value];
    }
  }

  /** Reads and checks a branch or leaf page at tree level `level` (1 = root). */
  private async page(pgno: number, expect: number, level: number): Promise<Page> {
    if (level > this.info.depth) throw new LmdbCorruptError(`tree deeper than its recorded depth ${this.info.depth}`);
    this.checkPgno(pgno, 1, 'tree page');
    const bytes = await this.src.read(pgno * this.psize, this.psize);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const own = u64(view, 0);
    if (own !== pgno) throw new LmdbCorruptError(`page ${pgno} carries page number ${own}`);
    const flags = view.getUint16(10, true);
    if (flags & (P_LEAF2 | P_SUBP)) throw new UnsupportedLmdbError(`page ${pgno} is a LEAF2/sub-page (dupsort data): not supported`);
    const kind = flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META);
    if (kind !== expect) {
      throw new LmdbCorruptError(`page ${pgno} at level ${level} has flags 0x${flags.toString(16)}, expected a ${expect === P_BRANCH ? 'branch' : 'leaf'} page`);
    }
    const lower = view.getUint16(12, true);
    const upper = view.getUint16(14, true);
    if (lower < PAGEHDRSZ || (lower - PAGEHDRSZ) % 2 !== 0 || upper < lower || upper > this.psize) {
      throw new LmdbCorruptError(`page ${pgno} has impossible bounds lower=${lower} upper=${upper}`);
    }
    const n = (lower - PAGEHDRSZ) >> 1;
    if (n === 0 && !(expect === P_LEAF && level === 1)) throw new LmdbCorruptError(`${expect === P_BRANCH ? 'branch' : 'leaf'} page ${pgno} has no nodes`);
    return { pgno, bytes, view, flags, n };
  }

  private node(page: Page, i: number): Node {
    const { view, bytes, pgno } = page;
    const upper = view.getUint16(14, true);
    const ptr = view.getUint16(PAGEHDRSZ + 2 * i, true);
    if (ptr < upper || ptr + NODESIZE > this.psize) throw new LmdbCorruptError(`node ${i} of page ${pgno} at offset ${ptr} is outside [${upper}, ${this.psize})`);
    const lo = view.getUint16(ptr, true);
    const hi = view.getUint16(ptr + 2, true);
    const flags = view.getUint16(ptr + 4, true);
    const ksize = view.getUint16(ptr + 6, true);
    const keyEnd = ptr + NODESIZE + ksize;
    if (keyEnd > this.psize) throw new LmdbCorruptError(`key of node ${i} on page ${pgno} (${ksize} bytes) runs past the page`);
    const key = bytes.subarray(ptr + NODESIZE, keyEnd);
    if (page.flags & P_BRANCH) {
      const child = lo + hi * 0x10000 + flags * TWO32;
      return { flags: 0, key, size: 0, dataAt: keyEnd, child };
    }
    const size = lo + hi * 0x10000;
    if (flags & F_DUPDATA) throw new UnsupportedLmdbError(`node ${i} of page ${pgno} holds duplicate data (dupsort): not supported`);
    if (flags & F_BIGDATA) {
      if (keyEnd + 8 > this.psize) throw new LmdbCorruptError(`overflow pointer of node ${i} on page ${pgno} runs past the page`);
    } else if (keyEnd + size > this.psize) {
      throw new LmdbCorruptError(`value of node ${i} on page ${pgno} (${size} bytes) runs past the page`);
    }
    return { flags, key, size, dataAt: keyEnd, child: -1 };
  }

  private async value(page: Page, node: Node, copy = true): Promise<Uint8Array> {
    if (!(node.flags & F_BIGDATA)) return copy ? page.bytes.slice(node.dataAt, node.dataAt + node.size) : page.bytes.subarray(node.dataAt, node.dataAt + node.size);
    if (node.size > this.maxValueBytes) throw new LmdbCorruptError(`value of ${node.size} bytes exceeds the limit of ${this.maxValueBytes}`);
    const ov = u64(page.view, node.dataAt);
    this.checkPgno(ov, 1, 'overflow page');
    const head = await this.src.read(ov * this.psize, PAGEHDRSZ);
    const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const own = u64(hv, 0);
    const flags = hv.getUint16(10, true);
    const pages = hv.getUint32(12, true);
    if (own !== ov) throw new LmdbCorruptError(`overflow page ${ov} carries page number ${own}`);
    if ((flags & (P_OVERFLOW | P_BRANCH | P_LEAF | P_META)) !== P_OVERFLOW) throw new LmdbCorruptError(`page ${ov} has flags 0x${flags.toString(16)}, expected an overflow page`);
    const need = Math.ceil((PAGEHDRSZ + node.size) / this.psize);
    if (pages < need) throw new LmdbCorruptError(`overflow run at page ${ov} has ${pages} pages, too few for ${node.size} bytes`);
    this.checkPgno(ov, pages, 'overflow run');
    const out = await this.src.read(ov * this.psize + PAGEHDRSZ, node.size);
    // A cached or in-memory source may hand back a view; give the caller its own bytes.
    return !copy || out.byteLength === out.buffer.byteLength ? out : out.slice();
  }

  private checkPgno(pgno: number, count: number, what: string): void {
    if (!Number.isSafeInteger(pgno) || pgno < 2 || pgno + count - 1 > this.info.lastPage) {
      throw new LmdbCorruptError(`${what} ${pgno}${count > 1 ? `..${pgno + count - 1}` : ''} is outside the data pages 2..${this.info.lastPage}`);
    }
    if ((pgno + count) * this.psize > this.src.size) {
      throw new LmdbTruncatedError(`${what} ${pgno} lies beyond the end of the file (${this.src.size} bytes): the file is truncated`);
    }
  }
}

interface Meta {
  page: number;
  version: number;
  pageSize: number;
  txnid: number;
  lastPage: number;
  db: { flags: number; depth: number; branch: number; leaf: number; overflow: number; entries: number; root: number };
}

function parseMeta(bytes: Uint8Array, page: number): Meta | string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < META.end) return 'too short';
  if (v.getUint32(META.magic, true) !== MDB_MAGIC) return 'no LMDB magic';
  const flags = v.getUint16(10, true);
  if (!(flags & P_META)) return `page flags 0x${flags.toString(16)} are not a meta page's`;
  if (u64(v, 0) !== page) return `carries page number ${u64(v, 0)}`;
  const db = META.dbs + DB_SIZE * MAIN_DBI;
  const rootLo = v.getUint32(db + 40, true);
  const rootHi = v.getUint32(db + 44, true);
  return {
    page,
    version: v.getUint32(META.version, true),
    pageSize: v.getUint32(META.dbs, true),
    txnid: u64(v, META.txnid),
    lastPage: u64(v, META.lastPg),
    db: {
      flags: v.getUint16(db + 4, true),
      depth: v.getUint16(db + 6, true),
      branch: u64(v, db + 8),
      leaf: u64(v, db + 16),
      overflow: u64(v, db + 24),
      entries: u64(v, db + 32),
      root: rootLo === 0xffffffff && rootHi === 0xffffffff ? -1 : u64(v, db + 40),
    },
  };
}

/** Recognises the LMDB variants this reader does not read, from the first bytes of the file. */
function diagnoseUnsupported(head: Uint8Array): string | undefined {
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const at = (o: number, le: boolean): boolean => head.byteLength >= o + 4 && v.getUint32(o, le) === MDB_MAGIC;
  if (at(16, false) || at(12, false)) return 'a big-endian LMDB file';
  if (at(12, true)) return 'a 32-bit LMDB file (4-byte page numbers)';
  if (at(24, true) || at(32, true)) return 'an LMDB 1.0-style file (larger page header: the npm `lmdb` v2 / mdb.master3 format)';
  return undefined;
}

async function readMeta(src: ByteSource): Promise<LmdbInfo> {
  const headLen = Math.min(src.size, 512);
  if (headLen < META.end) throw new LmdbFormatError(`not an LMDB data file: ${src.size} bytes is too small for a meta page`);
  const head = await src.read(0, headLen);
  const m0 = parseMeta(head, 0);
  if (typeof m0 === 'string') {
    const why = diagnoseUnsupported(head);
    if (why !== undefined) throw new UnsupportedLmdbError(`unsupported LMDB variant: ${why}; webstr reads 64-bit little-endian liblmdb 0.9 files`);
    throw new LmdbFormatError(`not an LMDB data file (meta page 0: ${m0})`);
  }
  if (m0.version !== MDB_DATA_VERSION) {
    throw new UnsupportedLmdbError(`LMDB data format version ${m0.version} is not supported (webstr reads version ${MDB_DATA_VERSION}, liblmdb 0.9; version 2 is the npm \`lmdb\` / LMDB 1.0 format)`);
  }
  const psize = m0.pageSize;
  if (!SUPPORTED_PAGE_SIZES.has(psize)) {
    throw new UnsupportedLmdbError(`LMDB page size ${psize} is not supported (supported: ${[...SUPPORTED_PAGE_SIZES].join(', ')})`);
  }
  const metas: Meta[] = [m0];
  if (src.size >= psize + META.end) {
    const m1 = parseMeta(await src.read(psize, META.end), 1);
    if (typeof m1 !== 'string' && m1.version === MDB_DATA_VERSION && m1.pageSize === psize) metas.push(m1);
  }
  if (src.size < 2 * psize) throw new LmdbTruncatedError(`LMDB file of ${src.size} bytes is shorter than its two ${psize}-byte meta pages`);
  // liblmdb reads the meta with the higher transaction id (mdb_env_pick_meta).
  const meta = metas.reduce((a, b) => (b.txnid > a.txnid ? b : a));
  const { db } = meta;
  if (db.flags & PERSISTENT_DB_FLAGS) {
    throw new UnsupportedLmdbError(`main database flags 0x${db.flags.toString(16)} (dupsort/integer/reverse keys) are not supported`);
  }
  if (db.flags !== 0) throw new LmdbCorruptError(`main database has unknown flags 0x${db.flags.toString(16)}`);
  if (!Number.isSafeInteger(meta.lastPage) || meta.lastPage < 1) throw new LmdbCorruptError(`meta page ${meta.page}: last page ${meta.lastPage} is impossible`);
  if ((meta.lastPage + 1) * psize > src.size) {
    throw new LmdbTruncatedError(`the file is truncated: ${src.size} bytes, but its meta page says pages up to ${meta.lastPage} (${(meta.lastPage + 1) * psize} bytes)`);
  }
  if (db.root < 0) {
    if (db.depth !== 0 || db.entries !== 0) throw new LmdbCorruptError(`empty main database with depth ${db.depth} and ${db.entries} entries`);
  } else {
    if (db.root < 2 || db.root > meta.lastPage) throw new LmdbCorruptError(`main database root ${db.root} is outside the data pages 2..${meta.lastPage}`);
    if (db.depth < 1 || db.depth > MAX_DEPTH) throw new LmdbCorruptError(`main database depth ${db.depth} is outside 1..${MAX_DEPTH}`);
    if (db.entries < 1 || db.entries > meta.lastPage * (psize / 8)) throw new LmdbCorruptError(`main database entry count ${db.entries} is impossible for ${meta.lastPage + 1} pages`);
  }
  return {
    pageSize: psize,
    lastPage: meta.lastPage,
    txnid: meta.txnid,
    metaPage: meta.page,
    depth: db.root < 0 ? 0 : db.depth,
    entries: db.entries,
    branchPages: db.branch,
    leafPages: db.leaf,
    overflowPages: db.overflow,
    root: db.root,
    fileSize: src.size,
  };
}
