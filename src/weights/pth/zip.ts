/**
 * A read-only zip reader over a ByteSource, for torch's zip checkpoints (torch >= 1.6, written by
 * `PyTorchStreamWriter`/miniz: stored entries, data aligned to 64 bytes with padding in the local extra
 * field, zip64 records). Reads the central directory from the end of the file, then one entry at a time,
 * so a 200 MB checkpoint is never held whole. Deflated entries (a checkpoint re-zipped by another tool)
 * go through `DecompressionStream('deflate-raw')` where the platform has it.
 * Spec: PKWARE APPNOTE.TXT 6.3.x, §4.3 (records) and §4.5.3 (zip64 extra field).
 */
import { CheckpointFormatError, UnsupportedCheckpointError } from '../../runtime/errors.ts';
import { readExact } from './byte_input.ts';
import type { ByteSource } from '../../runtime/byte_source.ts';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointFormatError(`zip: ${what} ${v} is out of range`);
  return Number(v);
}

export class ZipArchive {
  private constructor(
    private readonly src: ByteSource,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(src: ByteSource): Promise<ZipArchive> {
    if (src.size < EOCD_SIZE) throw new CheckpointFormatError(`zip: file of ${src.size} bytes is too short for an end-of-central-directory record`);
    const tailLen = Math.min(src.size, EOCD_SIZE + MAX_COMMENT);
    const tailStart = src.size - tailLen;
    const tail = await readExact(src, tailStart, tailLen, 'zip end records');
    const tv = view(tail);
    let eocd = -1;
    for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + tv.getUint16(i + 20, true) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new CheckpointFormatError('zip: no end-of-central-directory record (truncated file?)');
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tv.getUint32(loc, true) !== SIG_EOCD64_LOCATOR) throw new CheckpointFormatError('zip: zip64 end locator missing');
      const at = u64(tv, loc + 8, 'zip64 end record offset');
      const rec = view(await readExact(src, at, 56, 'zip64 end record'));
      if (rec.getUint32(0, true) !== SIG_EOCD64) throw new CheckpointFormatError('zip: bad zip64 end record signature');
      count = u64(rec, 32, 'entry count');
      cdSize = u64(rec, 40, 'central directory size');
      cdOffset = u64(rec, 48, 'central directory offset');
    }
    if (cdOffset + cdSize > src.size || count * CENTRAL_SIZE > cdSize) {
      throw new CheckpointFormatError(`zip: central directory (${count} entries, ${cdSize} bytes at ${cdOffset}) does not fit the file of ${src.size} bytes`);
    }
    const cd = await readExact(src, cdOffset, cdSize, 'zip central directory');
    const dv = view(cd);
    const names = new TextDecoder('utf-8');
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + CENTRAL_SIZE > cd.length || dv.getUint32(p, true) !== SIG_CENTRAL) throw new CheckpointFormatError(`zip: central directory entry ${i} is corrupt`);
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc32 = dv.getUint32(p + 16, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      const end = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
      if (end > cd.length) throw new CheckpointFormatError(`zip: central directory entry ${i} runs past the directory`);
      const name = names.decode(cd.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen));
      // Zip64 extended information (§4.5.3): the 64-bit values, present only for fields set to 0xffffffff.
      let e = p + CENTRAL_SIZE + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (e + 4 + len > extraEnd) throw new CheckpointFormatError(`zip: extra field of '${name}' is corrupt`);
        if (id === 0x0001) {
          let q = e + 4;
          const next = (what: string): number => {
            if (q + 8 > e + 4 + len) throw new CheckpointFormatError(`zip: zip64 field of '${name}' lacks its ${what}`);
            const v = u64(dv, q, what);
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = next('size');
          if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('local header offset');
        }
        e += 4 + len;
      }
      if (flags & 1) throw new UnsupportedCheckpointError(`zip: entry '${name}' is encrypted`);
      if (localHeaderOffset + LOCAL_SIZE + compressedSize > cdOffset) {
        throw new CheckpointFormatError(`zip: entry '${name}' (${compressedSize} bytes at ${localHeaderOffset}) overlaps the central directory`);
      }
      entries.set(name, { name, method, crc32, compressedSize, size, localHeaderOffset });
      p = end;
    }
    return new ZipArchive(src, entries);
  }

  /** The entry's bytes, decompressed, with the CRC-32 checked unless `verifyCrc` is false. */
  async read(entry: ZipEntry, verifyCrc = true): Promise<Uint8Array> {
    const local = view(await readExact(this.src, entry.localHeaderOffset, LOCAL_SIZE, `local header of '${entry.name}'`));
    if (local.getUint32(0, true) !== SIG_LOCAL) throw new CheckpointFormatError(`zip: bad local header for '${entry.name}'`);
    const dataStart = entry.localHeaderOffset + LOCAL_SIZE + local.getUint16(26, true) + local.getUint16(28, true);
    const raw = await readExact(this.src, dataStart, entry.compressedSize, `zip entry '${entry.name}'`);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) throw new CheckpointFormatError(`zip: stored entry '${entry.name}' has size ${entry.size} != ${entry.compressedSize}`);
      out = raw;
    } else if (entry.method === 8) {
      // Checkpoint weights barely compress; a deflated entry larger than 4× the file is a bomb.
      const cap = 4 * this.src.size + (1 << 20);
      if (entry.size > cap) throw new CheckpointFormatError(`zip: deflated entry '${entry.name}' declares ${entry.size} bytes, over the ${cap}-byte cap for this file`);
      out = await inflateRaw(raw, entry.size, entry.name);
    } else {
      throw new UnsupportedCheckpointError(`zip: entry '${entry.name}' uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
    }
    if (verifyCrc && crc32(out) !== entry.crc32) throw new CheckpointFormatError(`zip: CRC-32 mismatch in '${entry.name}' (corrupt file)`);
    return out;
  }
}

/** Raw deflate through the platform's `DecompressionStream`, refusing to produce more than `size` bytes. */
export async function inflateRaw(data: Uint8Array, size: number, name: string): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new UnsupportedCheckpointError(`zip: entry '${name}' is deflated and this platform has no DecompressionStream; re-save it with torch.save`);
  }
  // Deflate expands at most ~1032:1 (RFC 1951 stored/backreference limits); a larger declared size is a lie.
  if (size > data.length * 1032 + 1024) throw new CheckpointFormatError(`zip: deflated entry '${name}' claims ${size} bytes from ${data.length}`);
  let ds: DecompressionStream;
  try {
    ds = new DecompressionStream('deflate-raw');
  } catch {
    throw new UnsupportedCheckpointError(`zip: entry '${name}' is deflated and this platform's DecompressionStream lacks 'deflate-raw'`);
  }
  const out = new Uint8Array(size);
  let n = 0;
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  // Feed and drain concurrently; a write error surfaces through the reader as well.
  const feed = writer.write(data.slice()).then(() => writer.close()).catch(() => undefined);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > size) throw new CheckpointFormatError(`zip: deflated entry '${name}' inflates past its declared ${size} bytes`);
      out.set(value, n);
      n += value.length;
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    await feed;
    if (err instanceof CheckpointFormatError) throw err;
    throw new CheckpointFormatError(`zip: deflated entry '${name}' is corrupt (${err instanceof Error ? err.message : String(err)})`);
  }
  await feed;
  if (n !== size) throw new CheckpointFormatError(`zip: deflated entry '${name}' inflates to ${n} bytes, declared ${size}`);
  return out;
}

let CRC_TABLES: Uint32Array[] | undefined;

/** CRC-32 (ISO-HDLC, as zip), slice-by-8: eight table lookups per 8 bytes. */
export function crc32(data: Uint8Array): number {
  let t = CRC_TABLES;
  if (!t) {
    t = Array.from({ length: 8 }, () => new Uint32Array(256));
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[0]![i] = c >>> 0;
    }
    for (let i = 0; i < 256; i++) for (let k = 1; k < 8; k++) t[k]![i] = (t[k - 1]![i]! >>> 8) ^ t[0]![t[k - 1]![i]! & 0xff]!;
    CRC_TABLES = t;
  }
  const [t0, t1, t2, t3, t4, t5, t6, t7] = t as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = 0xffffffff;
  let i = 0;
  const n8 = data.length - (data.length % 8);
  for (; i < n8; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
