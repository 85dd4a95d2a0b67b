/**
 * Reads the character map of a WOFF2 font (and of a plain TrueType/OpenType file): which code points
 * have a glyph, and which glyph. Enough of the format for that: the table directory, the one Brotli
 * stream (Node's zlib), and `cmap` formats 4 and 12. Used by fetch_fonts.ts to keep faces that draw
 * every letter and digit, and to note the punctuation a face lacks.
 */
import { brotliDecompressSync } from 'node:zlib';

export class FontParseError extends Error {
  override name = 'FontParseError';
}

/** Index of a table tag in WOFF2's list of known tags; only the two with a special transform rule matter. */
const GLYF = 10;
const LOCA = 11;
const KNOWN_TAGS = 'cmap head hhea hmtx maxp name OS/2 post cvt  fpgm glyf loca prep CFF  VORG EBDT EBLC gasp hdmx kern LTSH PCLT VDMX vhea vmtx BASE GDEF GPOS GSUB EBSC JSTF MATH CBDT CBLC COLR CPAL SVG  sbix acnt avar bdat bloc bsln cvar fdsc feat fmtx fvar gvar hsty just lcar mort morx opbd prop trak Zapf Silf Glat Gloc Feat Sill'.match(/.{4} ?/g)!.map((t) => t.slice(0, 4));

/** The raw bytes of every table of a font file (WOFF2, or an uncompressed sfnt), by tag. */
export function fontTables(bytes: Uint8Array): Map<string, Uint8Array> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new FontParseError(`${bytes.length} bytes is too short for a font`);
  const sig = String.fromCharCode(...bytes.subarray(0, 4));
  const out = new Map<string, Uint8Array>();
  if (sig === 'wOF2') {
    const numTables = v.getUint16(12);
    const compressed = v.getUint32(20);
    let pos = 48;
    const base128 = (): number => {
      let n = 0;
      for (let i = 0; i < 5; i++) {
        const b = bytes[pos++];
        if (b === undefined) throw new FontParseError('truncated table directory');
        n = n * 128 + (b & 0x7f);
        if ((b & 0x80) === 0) return n;
      }
      throw new FontParseError('bad UIntBase128 in the table directory');
    };
    const dir: { tag: string; length: number }[] = [];
    for (let t = 0; t < numTables; t++) {
      const flags = bytes[pos++]!;
      const idx = flags & 0x3f;
      let tag: string;
      if (idx === 63) {
        tag = String.fromCharCode(...bytes.subarray(pos, pos + 4));
        pos += 4;
      } else tag = KNOWN_TAGS[idx] ?? `#${idx}`;
      const version = flags >> 6;
      const orig = base128();
      const transformed = idx === GLYF || idx === LOCA ? version === 0 : version !== 0;
      dir.push({ tag, length: transformed ? base128() : orig });
    }
    if (String.fromCharCode(...bytes.subarray(4, 8)) === 'ttcf') throw new FontParseError('font collections are not read');
    let stream: Uint8Array;
    try {
      stream = new Uint8Array(brotliDecompressSync(bytes.subarray(pos, pos + compressed)));
    } catch (err) {
      throw new FontParseError(`the Brotli stream does not decompress: ${(err as Error).message}`);
    }
    let off = 0;
    for (const d of dir) {
      out.set(d.tag, stream.subarray(off, off + d.length));
      off += d.length;
    }
    if (off > stream.length) throw new FontParseError(`tables need ${off} bytes, the stream has ${stream.length}`);
    return out;
  }
  const flavor = v.getUint32(0);
  if (flavor !== 0x00010000 && sig !== 'OTTO' && sig !== 'true') throw new FontParseError(`not a WOFF2, TrueType or OpenType file (signature ${JSON.stringify(sig)})`);
  const numTables = v.getUint16(4);
  for (let t = 0; t < numTables; t++) {
    const r = 12 + 16 * t;
    const tag = String.fromCharCode(...bytes.subarray(r, r + 4));
    out.set(tag, bytes.subarray(v.getUint32(r + 8), v.getUint32(r + 8) + v.getUint32(r + 12)));
  }
  return out;
}

/** Code point → glyph id (0 = none) from a `cmap` table: the Unicode subtable, format 12 or 4. */
export function readCmap(cmap: Uint8Array): (codePoint: number) => number {
  const v = new DataView(cmap.buffer, cmap.byteOffset, cmap.byteLength);
  const n = v.getUint16(2);
  let best: { rank: number; offset: number } | null = null;
  for (let i = 0; i < n; i++) {
    const platform = v.getUint16(4 + 8 * i);
    const encoding = v.getUint16(6 + 8 * i);
    const offset = v.getUint32(8 + 8 * i);
    const format = v.getUint16(offset);
    let rank = -1;
    if (format === 12 && (platform === 3 || platform === 0)) rank = 3;
    else if (format === 4 && platform === 3 && (encoding === 1 || encoding === 10)) rank = 2;
    else if (format === 4 && platform === 0) rank = 1;
    if (rank >= 0 && (best === null || rank > best.rank)) best = { rank, offset };
  }
  if (best === null) throw new FontParseError('no Unicode cmap subtable of format 4 or 12');
  const o = best.offset;
  if (v.getUint16(o) === 12) {
    const groups = v.getUint32(o + 12);
    return (cp) => {
      for (let g = 0; g < groups; g++) {
        const r = o + 16 + 12 * g;
        const start = v.getUint32(r);
        if (cp >= start && cp <= v.getUint32(r + 4)) return v.getUint32(r + 8) + (cp - start);
      }
      return 0;
    };
  }
  const segs = v.getUint16(o + 6) / 2;
  const ends = o + 14;
  const starts = ends + 2 * segs + 2;
  const deltas = starts + 2 * segs;
  const ranges = deltas + 2 * segs;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segs; s++) {
      if (cp > v.getUint16(ends + 2 * s)) continue;
      const start = v.getUint16(starts + 2 * s);
      if (cp < start) return 0;
      const delta = v.getInt16(deltas + 2 * s);
      const ro = v.getUint16(ranges + 2 * s);
      if (ro === 0) return (cp + delta) & 0xffff;
      const at = ranges + 2 * s + ro + 2 * (cp - start);
      if (at + 2 > cmap.byteLength) return 0;
      const g = v.getUint16(at);
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
}

/** The glyph lookup of a font file. */
export function fontCmap(bytes: Uint8Array): (codePoint: number) => number {
  const cmap = fontTables(bytes).get('cmap');
  if (cmap === undefined) throw new FontParseError('the font has no cmap table');
  return readCmap(cmap);
}
