/**
 * Degradations of real photographs, pure TypeScript over `RgbaImage`: JPEG artefacts (the lossy part of
 * baseline JPEG: YCbCr, 2 × 2 chroma subsampling, 8 × 8 DCT, quantisation with the standard tables
 * scaled to a quality, and back; no entropy coding, which is lossless) and low resolution (area
 * downscale, bilinear upscale to the same size). Deterministic; alpha is kept.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import { checkRgba } from './augment.ts';
import type { RgbaImage } from './types.ts';

// The example quantisation tables of the JPEG standard (Annex K), in natural (row-major) order.
const LUMA_Q = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99];
const CHROMA_Q = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99];

/** cos((2x + 1) u π / 16) · c(u) / 2, for x, u in 0..7. */
const BASIS = (() => {
  const b = new Float64Array(64);
  for (let u = 0; u < 8; u++) for (let x = 0; x < 8; x++) b[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return b;
})();

/** The libjpeg scaling of a table to a quality in [1, 100]. */
function scaled(table: readonly number[], quality: number): Float64Array {
  const s = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  return Float64Array.from(table, (q) => Math.min(255, Math.max(1, Math.floor((q * s + 50) / 100))));
}

/** DCT, quantise, dequantise and inverse DCT of one plane (w × h, values − 128), in 8 × 8 blocks (edges replicated). */
function roundTrip(plane: Float64Array, w: number, h: number, q: Float64Array): void {
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < h; by += 8) {
    for (let bx = 0; bx < w; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[Math.min(h - 1, by + y) * w + Math.min(w - 1, bx + x)]!;
      // Forward: rows, then columns.
      for (let y = 0; y < 8; y++) for (let u = 0; u < 8; u++) { let s = 0; for (let x = 0; x < 8; x++) s += BASIS[u * 8 + x]! * block[y * 8 + x]!; tmp[y * 8 + u] = s; }
      for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) { let s = 0; for (let y = 0; y < 8; y++) s += BASIS[v * 8 + y]! * tmp[y * 8 + u]!; block[v * 8 + u] = Math.round(s / q[v * 8 + u]!) * q[v * 8 + u]!; }
      // Inverse: columns, then rows.
      for (let u = 0; u < 8; u++) for (let y = 0; y < 8; y++) { let s = 0; for (let v = 0; v < 8; v++) s += BASIS[v * 8 + y]! * block[v * 8 + u]!; tmp[y * 8 + u] = s; }
      for (let y = 0; y < 8 && by + y < h; y++) for (let x = 0; x < 8 && bx + x < w; x++) { let s = 0; for (let u = 0; u < 8; u++) s += BASIS[u * 8 + x]! * tmp[y * 8 + u]!; plane[(by + y) * w + bx + x] = s; }
    }
  }
}

/** What baseline JPEG at `quality` (1–100, 4:2:0) does to the pixels. */
export function jpegArtifacts(src: RgbaImage, quality: number): RgbaImage {
  checkRgba(src);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new InvalidArgumentError(`JPEG quality must be an integer in [1, 100], got ${quality}`);
  const { width: w, height: h, data: d } = src;
  const n = w * h;
  const Y = new Float64Array(n);
  const cw = Math.ceil(w / 2);
  const chh = Math.ceil(h / 2);
  const cb = new Float64Array(cw * chh);
  const cr = new Float64Array(cw * chh);
  const cnt = new Float64Array(cw * chh);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const r = d[i * 4]!;
      const g = d[i * 4 + 1]!;
      const b = d[i * 4 + 2]!;
      Y[i] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
      const c = (y >> 1) * cw + (x >> 1);
      cb[c] = cb[c]! - 0.168736 * r - 0.331264 * g + 0.5 * b;
      cr[c] = cr[c]! + 0.5 * r - 0.418688 * g - 0.081312 * b;
      cnt[c] = cnt[c]! + 1;
    }
  }
  for (let c = 0; c < cb.length; c++) { cb[c] = cb[c]! / cnt[c]!; cr[c] = cr[c]! / cnt[c]!; }
  roundTrip(Y, w, h, scaled(LUMA_Q, quality));
  roundTrip(cb, cw, chh, scaled(CHROMA_Q, quality));
  roundTrip(cr, cw, chh, scaled(CHROMA_Q, quality));
  const out = new Uint8ClampedArray(d.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = (y >> 1) * cw + (x >> 1);
      const l = Y[i]! + 128;
      out[i * 4] = l + 1.402 * cr[c]!;
      out[i * 4 + 1] = l - 0.344136 * cb[c]! - 0.714136 * cr[c]!;
      out[i * 4 + 2] = l + 1.772 * cb[c]!;
      out[i * 4 + 3] = d[i * 4 + 3]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** The image seen at `scale` (0 < scale ≤ 1) of its size: box-filtered down, bilinear back up to w × h. */
export function lowResolution(src: RgbaImage, scale: number): RgbaImage {
  checkRgba(src);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new InvalidArgumentError(`scale must be in (0, 1], got ${scale}`);
  const { width: w, height: h, data: d } = src;
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  if (sw === w && sh === h) return { width: w, height: h, data: new Uint8ClampedArray(d) };
  const small = new Float64Array(sw * sh * 4);
  const area = new Float64Array(sw * sh);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(sh - 1, Math.floor((y * sh) / h));
    for (let x = 0; x < w; x++) {
      const s = sy * sw + Math.min(sw - 1, Math.floor((x * sw) / w));
      for (let c = 0; c < 4; c++) small[s * 4 + c] = small[s * 4 + c]! + d[(y * w + x) * 4 + c]!;
      area[s] = area[s]! + 1;
    }
  }
  for (let s = 0; s < sw * sh; s++) for (let c = 0; c < 4; c++) small[s * 4 + c] = small[s * 4 + c]! / area[s]!;
  const out = new Uint8ClampedArray(d.length);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(sh - 1, Math.max(0, ((y + 0.5) * sh) / h - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < w; x++) {
      const fx = Math.min(sw - 1, Math.max(0, ((x + 0.5) * sw) / w - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const tx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const a = small[(y0 * sw + x0) * 4 + c]! + (small[(y0 * sw + x1) * 4 + c]! - small[(y0 * sw + x0) * 4 + c]!) * tx;
        const b = small[(y1 * sw + x0) * 4 + c]! + (small[(y1 * sw + x1) * 4 + c]! - small[(y1 * sw + x0) * 4 + c]!) * tx;
        out[(y * w + x) * 4 + c] = a + (b - a) * ty;
      }
    }
  }
  return { width: w, height: h, data: out };
}
