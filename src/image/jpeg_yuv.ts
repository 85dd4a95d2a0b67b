/**
 * A faster JPEG path for browsers with WebCodecs' `ImageDecoder`: decode to the JPEG's own planes (Y, Cb,
 * Cr at 4:2:0) and turn them into RGBA here, with the same arithmetic as libjpeg-turbo, the decoder
 * behind both Chromium's `createImageBitmap` and Node's canvas. The result is byte-identical to the
 * `createImageBitmap` + canvas read-back path (checked over the shared test sets in e2e/decode.spec.ts)
 * at a fraction of its cost: no bitmap, no canvas, no colour-managed draw.
 *
 * The arithmetic (libjpeg's, written from its documented behaviour):
 * - chroma upsampling 2×2 "fancy" (triangular) filter: each output sample is 3/4 of the nearer input
 *   sample and 1/4 of the next one, vertically and then horizontally, with the 4-bit rounding biases
 *   8 and 7 alternating so that the errors do not accumulate; edge rows and columns repeat;
 * - YCbCr → RGB (JFIF, full range) in 16-bit fixed point: R = Y + 1.402 (Cr − 128),
 *   G = Y − 0.34414 (Cb − 128) − 0.71414 (Cr − 128), B = Y + 1.772 (Cb − 128), each rounded as libjpeg's
 *   tables round it, then clamped to 0–255.
 *
 * Opaque PNGs come through the same decoder as RGB frames, copied out unchanged. Anything else (other
 * subsampling, grey or CMYK JPEGs, translucent PNGs, EXIF rotation, a browser without ImageDecoder)
 * answers null and the caller uses `createImageBitmap`.
 */
import type { RgbaImage } from './types.ts';

const FIX = (x: number): number => Math.floor(x * 65536 + 0.5);
const HALF = 1 << 15;
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + HALF) >> 16;
  CB_B[i] = (FIX(1.772) * x + HALF) >> 16;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + HALF;
}

/** One chroma plane (`pw`×`ph`, row stride `stride`, from `offset`) upsampled 2×2 to `w`×`h`; `pw` ≥ 2
 *  (libjpeg reads past a one-sample row into the block's padding, which the planes do not carry). */
export function upsampleH2V2(src: Uint8Array, offset: number, stride: number, pw: number, ph: number, w: number, h: number, out = new Uint8Array(w * h)): Uint8Array {
  const col = new Int32Array(pw);
  for (let oy = 0; oy < h; oy++) {
    const r = oy >> 1;
    // The nearer neighbouring row: above for the top output row of a pair, below for the bottom one.
    const r1 = (oy & 1) === 0 ? (r > 0 ? r - 1 : 0) : r + 1 < ph ? r + 1 : ph - 1;
    const p0 = offset + r * stride;
    const p1 = offset + r1 * stride;
    for (let c = 0; c < pw; c++) col[c] = src[p0 + c]! * 3 + src[p1 + c]!;
    const o = oy * w;
    out[o] = (col[0]! * 4 + 8) >> 4;
    out[o + 1] = (col[0]! * 3 + col[1]! + 7) >> 4;
    for (let c = 1; c < pw - 1; c++) {
      const t = col[c]! * 3;
      out[o + 2 * c] = (t + col[c - 1]! + 8) >> 4;
      out[o + 2 * c + 1] = (t + col[c + 1]! + 7) >> 4;
    }
    const c = pw - 1;
    if (2 * c < w) out[o + 2 * c] = (col[c]! * 3 + col[c - 1]! + 8) >> 4;
    if (2 * c + 1 < w) out[o + 2 * c + 1] = (col[c]! * 4 + 7) >> 4;
  }
  return out;
}

/** Full-size Y, Cb, Cr planes → RGBA (alpha 255). */
export function yccToRgba(y: Uint8Array, yOffset: number, yStride: number, cb: Uint8Array, cr: Uint8Array, w: number, h: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h * 4); // clamps on store, as libjpeg's range limit
  for (let row = 0; row < h; row++) {
    const yo = yOffset + row * yStride;
    for (let x = 0, i = row * w, k = row * w * 4; x < w; x++, i++, k += 4) {
      const Y = y[yo + x]!;
      const b = cb[i]!;
      const r = cr[i]!;
      out[k] = Y + CR_R[r]!;
      out[k + 1] = Y + ((CB_G[b]! + CR_G[r]!) >> 16);
      out[k + 2] = Y + CB_B[b]!;
      out[k + 3] = 255;
    }
  }
  return out;
}

interface Plane {
  offset: number;
  stride: number;
}

interface Frame {
  format: string | null;
  displayWidth: number;
  displayHeight: number;
  visibleRect: { x: number; y: number } | null;
  rotation?: number;
  flip?: boolean;
  allocationSize(): number;
  copyTo(dest: Uint8Array, options?: { format: 'RGBA' }): Promise<Plane[]>;
  close(): void;
}

interface Decoder {
  decode(): Promise<{ image: Frame }>;
  close(): void;
}

type DecoderCtor = (new (init: { data: Uint8Array; type: string; colorSpaceConversion: 'none'; premultiplyAlpha: 'none' }) => Decoder) & {
  isTypeSupported?: (type: string) => Promise<boolean>;
};

function decoderClass(): DecoderCtor | null {
  const c = (globalThis as { ImageDecoder?: DecoderCtor }).ImageDecoder;
  return typeof c === 'function' ? c : null;
}

const DECODE_TIMEOUT_MS = 10_000;
const RGB_FORMATS = new Set(['RGBA', 'RGBX', 'BGRA', 'BGRX']);

/** Decodes run one at a time: ImageDecoders side by side were slower than in turn (Chromium 156). */
let queue: Promise<unknown> = Promise.resolve();

/** Scratch for the planes and the upsampled chroma, reused from one decode to the next (decodes run one at
 *  a time): fresh buffers for every image made the garbage collector a third of a worker's decode time
 *  while a batch holds its decoded images. Images past SCRATCH_MAX bytes get their own. */
const SCRATCH_MAX = 1 << 22;
let scratch: Uint8Array<ArrayBuffer> = new Uint8Array(0);
function scratchBytes(n: number): Uint8Array<ArrayBuffer> {
  if (n > SCRATCH_MAX) return new Uint8Array(n);
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

/** RGBA of a 4:2:0 colour JPEG or an opaque PNG through ImageDecoder (a PNG frame is RGB already: copied
 *  out as RGBA, no arithmetic); null when this path does not apply (the caller decodes another way). Throws
 *  only what the browser's decoder throws. */
export function decodeViaImageDecoder(bytes: Uint8Array, type: 'image/jpeg' | 'image/png' = 'image/jpeg'): Promise<RgbaImage | null> {
  const Ctor = decoderClass();
  if (Ctor === null) return Promise.resolve(null);
  const run = queue.then(async () => {
    const d = new Ctor({ data: bytes, type, colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    try {
      // A decode that never settles must not hold the queue: past DECODE_TIMEOUT_MS the decoder is closed
      // (which rejects its pending decode) and the caller takes the other path.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), DECODE_TIMEOUT_MS);
      });
      const got = await Promise.race([d.decode(), expired]).finally(() => clearTimeout(timer));
      if (got === null) return null;
      const { image } = got;
      try {
        const rotated = (image.rotation ?? 0) !== 0 || image.flip === true;
        const shifted = image.visibleRect !== null && (image.visibleRect.x !== 0 || image.visibleRect.y !== 0);
        const w = image.displayWidth;
        const h = image.displayHeight;
        if (rotated || shifted) return null;
        if (type === 'image/png') {
          if (image.format === null || !RGB_FORMATS.has(image.format)) return null;
          const data = new Uint8ClampedArray(w * h * 4);
          await image.copyTo(data as unknown as Uint8Array, { format: 'RGBA' });
          // Translucent pixels: createImageBitmap's canvas read-back rounds them through premultiplied
          // alpha; leave those images to it so that every path gives the same bytes.
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return null;
          return { width: w, height: h, data };
        }
        if (image.format !== 'I420' || w < 3) return null;
        const size = image.allocationSize();
        const all = scratchBytes(size + 2 * w * h);
        const buf = all.subarray(0, size);
        const [yp, up, vp] = await image.copyTo(buf);
        if (yp === undefined || up === undefined || vp === undefined) return null;
        const pw = (w + 1) >> 1;
        const ph = (h + 1) >> 1;
        const cb = upsampleH2V2(buf, up.offset, up.stride, pw, ph, w, h, all.subarray(size, size + w * h));
        const cr = upsampleH2V2(buf, vp.offset, vp.stride, pw, ph, w, h, all.subarray(size + w * h, size + 2 * w * h));
        return { width: w, height: h, data: yccToRgba(buf, yp.offset, yp.stride, cb, cr, w, h) };
      } finally {
        image.close();
      }
    } finally {
      d.close();
    }
  });
  queue = run.catch(() => undefined);
  return run;
}
