/**
 * Baseline JPEGs decoded by our own wasm module (wasm/jpeg.c, built by scripts/build_jpeg_wasm.sh, embedded as
 * base64 in ./jpeg_wasm_bytes.ts), with RGBA byte-identical to libjpeg-turbo's default decoding: what
 * Chromium's createImageBitmap and Node's @napi-rs/canvas (Skia) give. A ~100×32 word crop takes a fraction
 * of the time WebCodecs' ImageDecoder takes for it in a worker, with no bitmap or canvas.
 *
 * Covered: baseline and extended sequential Huffman JPEGs (SOF0/SOF1, 8-bit), grey or YCbCr with whole-ratio
 * sampling (4:4:4, 4:2:2, 4:2:0, 4:4:0, …), restart intervals, one scan or one per component. Everything
 * else (progressive, arithmetic, 12-bit, CMYK, RGB/Adobe transforms, ICC profiles, images past the pixel
 * limit) answers null, and so does a platform where the module cannot be compiled (Chromium refuses
 * synchronous compiles over 4 KB on a page's main thread): the caller decodes another way. Corrupt data
 * throws ImageDecodeError. A JPEG whose EXIF orientation is not 1 (the identity) also answers null: the
 * browser's createImageBitmap rotates it, and this decoder does not.
 *
 * The module has its own memory, an arena reset after every image: it grows to the largest image decoded so
 * far and stays there.
 */
import { ImageDecodeError, type ImageLimits } from './errors.ts';
import { JPEG_WASM_BASE64 } from './jpeg_wasm_bytes.ts';
import type { RgbaImage } from './types.ts';

export interface JpegExports {
  memory: WebAssembly.Memory;
  jpeg_reset(): void;
  jpeg_alloc(n: number): number;
  jpeg_decode(input: number, length: number, maxPixels: number): number;
  jpeg_width(): number;
  jpeg_height(): number;
  jpeg_pixels(): number;
  /** The decoded image as a model's input (wasm/jpeg.c, src/image/jpeg_input.ts); 0: none or no memory. */
  jpeg_input(outH: number, w: number, outW: number, mode: number, scale: number, shift: number, pad: number): number;
}

/** Codes ≥ 32 from wasm/jpeg.c: the data is corrupt. */
const CORRUPT: Record<number, string> = {
  32: 'the data ends before the image does',
  33: 'a marker out of place (a second SOI, a scan before the frame header, or the end of image before every component)',
  34: 'a segment length that does not match its contents',
  35: 'a quantisation table with an id or precision out of range',
  36: 'a Huffman table with an id out of range, too many codes, or codes that overflow their length',
  37: 'a frame header with a zero size, bad sampling factors, duplicate component ids or a quantisation table id over 3',
  38: 'a scan header naming an unknown or repeated component, a table id over 3, or too many blocks per MCU',
  39: 'a component whose quantisation table is not defined',
  40: 'entropy-coded data holding a code its Huffman table lacks',
  41: 'a restart marker missing or out of sequence',
  42: 'no frame header before the end of the data',
};

let enabled = true;
let instance: JpegExports | null | undefined;

/** Turns the wasm decoder off (decodeJpegWasm answers null) or back on, for before/after measurements. */
export function setJpegWasmEnabled(on: boolean): void {
  enabled = on;
}

function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The module, compiled and instantiated on first use; null where WebAssembly is missing or refuses it. */
function jpegModule(): JpegExports | null {
  if (instance !== undefined) return instance;
  try {
    const module = new WebAssembly.Module(base64Bytes(JPEG_WASM_BASE64));
    instance = new WebAssembly.Instance(module, {}).exports as unknown as JpegExports;
  } catch {
    instance = null;
  }
  return instance;
}

/**
 * Compiles and instantiates the module asynchronously (allowed on a page's main thread, where the synchronous
 * compile is refused), so that decodeJpegWasm works there too; true when the module is ready. One attempt,
 * shared by every caller (decodeBrowser awaits it before each JPEG).
 */
let loading: Promise<boolean> | null = null;

export async function loadJpegWasm(): Promise<boolean> {
  loading ??= (async () => {
    if (instance !== undefined && instance !== null) return true;
    try {
      const { instance: inst } = await WebAssembly.instantiate(base64Bytes(JPEG_WASM_BASE64), {});
      instance = inst.exports as unknown as JpegExports;
    } catch {
      instance = null;
    }
    return instance !== null;
  })();
  return loading;
}

/** The module's memory in bytes (tests check that it stays flat over many decodes); 0 before first use. */
export function jpegWasmMemoryBytes(): number {
  return instance ? instance.memory.buffer.byteLength : 0;
}

const u16 = (b: Uint8Array, i: number, le: boolean): number => (le ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!);
const u32 = (b: Uint8Array, i: number, le: boolean): number => (le ? u16(b, i, le) + u16(b, i + 2, le) * 65536 : u16(b, i, le) * 65536 + u16(b, i + 2, le));

/**
 * The EXIF orientation tag (0x0112) of a JPEG's first APP1 "Exif" segment before its first scan: 1 (none) when
 * there is no such tag; 0 when the EXIF block itself is malformed (treated as "unknown": not ours to decode).
 */
export function exifOrientation(b: Uint8Array): number {
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1]!;
    if (marker === 0xda || marker === 0xd9) return 1; // scan or end: no EXIF before the image data
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const len = u16(b, i + 2, false);
    if (len < 2 || i + 2 + len > b.length) return 1; // the decoder names a bad segment
    const s = i + 4; // segment payload
    if (marker === 0xe1 && len >= 16 && b[s] === 0x45 && b[s + 1] === 0x78 && b[s + 2] === 0x69 && b[s + 3] === 0x66 && b[s + 4] === 0 && b[s + 5] === 0) {
      const t = s + 6; // TIFF header
      const end = i + 2 + len;
      const le = b[t] === 0x49 && b[t + 1] === 0x49;
      if (!le && !(b[t] === 0x4d && b[t + 1] === 0x4d)) return 0;
      const ifd = t + u32(b, t + 4, le);
      if (ifd + 2 > end || ifd < t + 8) return 0;
      const n = u16(b, ifd, le);
      for (let k = 0; k < n; k++) {
        const e = ifd + 2 + 12 * k;
        if (e + 12 > end) return 0;
        if (u16(b, e, le) === 0x0112) return u16(b, e + 8, le);
      }
      return 1;
    }
    i += 2 + len;
  }
  return 1;
}

/**
 * RGBA of a JPEG, or null when this decoder does not cover it (see the file comment) or the image has more
 * than `maxPixels` pixels. Throws ImageDecodeError for corrupt data.
 */
export function decodeJpegWasm(bytes: Uint8Array, maxPixels: number): RgbaImage | null {
  return withDecodedJpeg(bytes, maxPixels, (m, width, height) => {
    const data = new Uint8ClampedArray(width * height * 4);
    data.set(new Uint8Array(m.memory.buffer, m.jpeg_pixels(), data.length));
    return { width, height, data };
  });
}

/**
 * Decodes a JPEG in the module and hands the module, with the decoded image in its arena, to `read` (which
 * copies out what it needs: the arena is reset when it returns). Null, and `read` not called, when the decoder
 * does not cover the image (as decodeJpegWasm); ImageDecodeError for corrupt data.
 */
export function withDecodedJpeg<T>(bytes: Uint8Array, maxPixels: number, read: (m: JpegExports, width: number, height: number) => T): T | null {
  if (!enabled || bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  if (exifOrientation(bytes) !== 1) return null;
  const m = jpegModule();
  if (m === null) return null;
  const limit = Math.max(0, Math.min(Math.floor(maxPixels), 0xffffffff));
  m.jpeg_reset();
  try {
    const at = m.jpeg_alloc(bytes.length);
    if (at === 0) return null; // the module's memory cannot grow that far
    new Uint8Array(m.memory.buffer, at, bytes.length).set(bytes);
    const code = m.jpeg_decode(at, bytes.length, limit);
    if (code >= 32) throw new ImageDecodeError(`corrupt JPEG (${bytes.length} bytes): ${CORRUPT[code] ?? `decoder code ${code}`}`);
    if (code !== 0) return null;
    return read(m, m.jpeg_width(), m.jpeg_height());
  } finally {
    m.jpeg_reset();
  }
}

/**
 * The decoders' first choice for a JPEG (decodeBrowser, decodeNode): its RGBA, or null when another decoder is to
 * decide — a JPEG this one does not cover, or data it finds corrupt (libjpeg's leniency then has the last word,
 * as it has in Chromium and Skia).
 */
export function decodeJpegFirst(bytes: Uint8Array, limits: ImageLimits): RgbaImage | null {
  try {
    return decodeJpegWasm(bytes, limits.maxDecodePixels ?? limits.maxPixels);
  } catch {
    return null;
  }
}
