/**
 * Image dimensions from the file header, read before decoding so a hostile file (30000×30000, 0×0,
 * truncated, not an image) is refused with a named error without allocating its pixels.
 */
import { DEFAULT_LIMITS, EmptyImageError, ImageDecodeError, ImageTooLargeError, type ImageLimits } from './errors.ts';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

const be16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const le16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
const be32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const le32s = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
const le24 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);

function need(b: Uint8Array, n: number, format: string): void {
  if (b.length < n) throw new ImageDecodeError(`truncated ${format} header (${b.length} bytes)`);
}

function jpegSize(b: Uint8Array): { width: number; height: number } {
  let o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) throw new ImageDecodeError(`corrupt JPEG: expected a marker at byte ${o}`);
    const m = b[o + 1]!;
    if (m === 0xff) {
      o++;
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      o += 2;
      continue;
    }
    if (m === 0xd9 || m === 0xda) break; // end of image / start of scan before any frame header
    const len = be16(b, o + 2);
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof) {
      need(b, o + 9, 'JPEG');
      return { height: be16(b, o + 5), width: be16(b, o + 7) };
    }
    o += 2 + len;
  }
  throw new ImageDecodeError('truncated or corrupt JPEG: no frame header (SOF) found');
}

/** Format and size from the first bytes; throws EmptyImageError / ImageDecodeError / ImageTooLargeError. */
export function readImageHeader(b: Uint8Array, limits: ImageLimits = DEFAULT_LIMITS): ImageHeader {
  if (b.length === 0) throw new EmptyImageError('empty file (0 bytes)');
  let h: ImageHeader;
  if (b.length >= 8 && be32(b, 0) === 0x89504e47 && be32(b, 4) === 0x0d0a1a0a) {
    need(b, 24, 'PNG');
    h = { format: 'png', width: be32(b, 16), height: be32(b, 20) };
  } else if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    h = { format: 'jpeg', ...jpegSize(b) };
  } else if (b.length >= 6 && String.fromCharCode(...b.subarray(0, 6)).match(/^GIF8[79]a$/)) {
    need(b, 10, 'GIF');
    h = { format: 'gif', width: le16(b, 6), height: le16(b, 8) };
  } else if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) {
    need(b, 26, 'BMP');
    h = { format: 'bmp', width: Math.abs(le32s(b, 18)), height: Math.abs(le32s(b, 22)) };
  } else if (b.length >= 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    need(b, 30, 'WebP');
    const chunk = String.fromCharCode(...b.subarray(12, 16));
    if (chunk === 'VP8X') h = { format: 'webp', width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
    else if (chunk === 'VP8L') {
      const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
      h = { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    } else if (chunk === 'VP8 ') h = { format: 'webp', width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    else throw new ImageDecodeError(`unsupported WebP chunk '${chunk}'`);
  } else {
    throw new ImageDecodeError('not an image: unknown signature (expected PNG, JPEG, GIF, BMP or WebP)');
  }
  if (h.width === 0 || h.height === 0) throw new EmptyImageError(`image of ${h.width}×${h.height} has no pixels`);
  if (h.width > limits.maxSide || h.height > limits.maxSide || h.width * h.height > limits.maxPixels) {
    throw new ImageTooLargeError(h.width, h.height, limits);
  }
  return h;
}

/** Offset just past the JPEG's end-of-image marker, walking segments and entropy-coded scans; -1 when it has none. */
function jpegEnd(b: Uint8Array): number {
  let o = 2;
  while (o + 2 <= b.length) {
    if (b[o] !== 0xff) return -1;
    const m = b[o + 1]!;
    if (m === 0xff) {
      o++; // fill byte
      continue;
    }
    if (m === 0xd9) return o + 2;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      o += 2;
      continue;
    }
    if (o + 4 > b.length) return -1;
    const len = be16(b, o + 2);
    if (len < 2) return -1;
    o += 2 + len;
    if (m !== 0xda) continue;
    // Entropy-coded data after a start of scan: runs until a marker other than a stuffed 0xFF00 or a restart.
    for (;;) {
      while (o < b.length && b[o] !== 0xff) o++;
      if (o + 1 >= b.length) return -1;
      const n = b[o + 1]!;
      if (n === 0x00 || (n >= 0xd0 && n <= 0xd7)) o += 2;
      else if (n === 0xff) o++;
      else break;
    }
  }
  return -1;
}

/**
 * Checks that the encoded data is whole: a JPEG reaches its end-of-image marker, a PNG its IEND chunk,
 * a GIF its trailer, a BMP or WebP the size its header declares. Decoders (Skia in Node, Chromium's
 * createImageBitmap) fill a cut-off image with grey and report success; this makes it a named error.
 */
export function checkImageComplete(b: Uint8Array, h: ImageHeader): void {
  const cut = (what: string): never => {
    throw new ImageDecodeError(`truncated or corrupt ${h.format.toUpperCase()} (${b.length} bytes): ${what}`);
  };
  switch (h.format) {
    case 'jpeg':
      if (jpegEnd(b) < 0) cut('the data ends before its end-of-image marker');
      return;
    case 'png': {
      let o = 8;
      while (o + 12 <= b.length) {
        const len = be32(b, o);
        const type = String.fromCharCode(b[o + 4]!, b[o + 5]!, b[o + 6]!, b[o + 7]!);
        if (o + 12 + len > b.length) cut(`chunk '${type}' at byte ${o} runs past the end`);
        if (type === 'IEND') return;
        o += 12 + len;
      }
      return cut('no IEND chunk');
    }
    case 'gif': {
      let end = b.length;
      while (end > 0 && b[end - 1] === 0) end--;
      if (end === 0 || b[end - 1] !== 0x3b) cut('no trailer byte');
      return;
    }
    case 'bmp': {
      const offBits = le32s(b, 10) >>> 0;
      const bpp = le16(b, 28);
      const compression = le32s(b, 30);
      const need = compression === 0 && bpp > 0 ? offBits + Math.ceil((h.width * bpp) / 32) * 4 * h.height : le32s(b, 2) >>> 0;
      if (b.length < need) cut(`the header declares ${need} bytes`);
      return;
    }
    case 'webp': {
      const need = (le32s(b, 4) >>> 0) + 8;
      if (b.length < need) cut(`the RIFF header declares ${need} bytes`);
      return;
    }
  }
}
