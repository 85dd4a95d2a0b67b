/**
 * Data augmentation for word crops, pure TypeScript over `RgbaImage` (runs in a worker and in Node),
 * drawn from a random source the caller owns (an `Rng`, whose state is one uint32 that a checkpoint
 * stores, or any `() => number` in [0, 1)): the same draws give the same augmentations.
 *
 * The recipe follows PaddleOCR's `RecAug` (ppocr/data/imaug/rec_img_aug.py: TIA distort/stretch/
 * perspective, crop, blur, HSV jitter, Gaussian noise, reverse, each with probability 0.4) in kind, not
 * bit for bit: the TIA moving-least-squares warps are a piecewise-bilinear mesh warp here, and every
 * geometric step is composed into one inverse map, so the crop is resampled once. DTRB trains without
 * augmentation (`augment: false`). See ARCHITECTURE.md "Synthetic words and augmentation".
 *
 * Output size: the geometric and photometric steps keep the input's size; `crop` only shrinks it
 * (never below half of each side). Input beyond `DEFAULT_LIMITS` is refused before any allocation.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import { DEFAULT_LIMITS, EmptyImageError, ImageTooLargeError, type ImageLimits } from './errors.ts';
import { type Random, type RandomInput, toRandom } from './rng.ts';
import type { RgbaImage } from './types.ts';

/** One step: applied with probability `p`; `strength` bounds its random parameter (units per step). */
export interface AugmentStep {
  p: number;
  strength: number;
}

export interface AugmentOptions {
  /** Crop jitter: up to `strength` × height cut from each edge (≤ 0.25). */
  crop?: AugmentStep;
  /** Perspective: corners move up to `strength` × height (≤ 1). */
  perspective?: AugmentStep;
  /** Baseline bend: a parabolic arc of amplitude up to `strength` × height (≤ 1). */
  curve?: AugmentStep;
  /** TIA-like mesh warp: 3–6 segments, points move up to `strength` × height (≤ 0.5). */
  distort?: AugmentStep;
  /** Brightness, contrast, saturation and per-channel gain, each up to ± `strength` (≤ 1). */
  color?: AugmentStep;
  /** 255 − v (PaddleOCR's `reverse`); strength unused. */
  invert?: AugmentStep;
  /** Gaussian blur of σ up to `strength` px (≤ 4). */
  blur?: AugmentStep;
  /** Gaussian noise of σ up to `strength` (in 0–255 units, ≤ 64). */
  noise?: AugmentStep;
}

const MAX_STRENGTH: Record<keyof AugmentOptions, number> = { crop: 0.25, perspective: 1, curve: 1, distort: 0.5, color: 1, invert: 1, blur: 4, noise: 64 };
export const AUGMENT_STEPS = Object.keys(MAX_STRENGTH) as (keyof AugmentOptions)[];

/** PaddleOCR RecAug's probabilities (0.4 each) with strengths of similar size. */
export const PADDLE_REC_AUG: Readonly<AugmentOptions> = Object.freeze({
  crop: { p: 0.4, strength: 0.15 },
  perspective: { p: 0.4, strength: 0.2 },
  curve: { p: 0.2, strength: 0.2 },
  distort: { p: 0.4, strength: 0.08 },
  color: { p: 0.4, strength: 0.3 },
  invert: { p: 0.4, strength: 1 },
  blur: { p: 0.4, strength: 1.0 },
  noise: { p: 0.4, strength: 12 },
});

export interface AugmentResult {
  image: RgbaImage;
  /** The steps applied, in order. */
  applied: (keyof AugmentOptions)[];
}

/** Checks an image's shape against the limits: named errors for 0×0, huge and inconsistent input. */
export function checkRgba(image: RgbaImage, limits: ImageLimits = DEFAULT_LIMITS): void {
  const { width: w, height: h } = image;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 0 || h < 0) throw new InvalidArgumentError(`image size must be non-negative integers, got ${w}×${h}`);
  if (w === 0 || h === 0) throw new EmptyImageError(`image of ${w}×${h} has no pixels`);
  if (w > limits.maxSide || h > limits.maxSide || w * h > limits.maxPixels) throw new ImageTooLargeError(w, h, limits);
  if (image.data.length !== w * h * 4) throw new InvalidArgumentError(`an RGBA image of ${w}×${h} needs ${w * h * 4} bytes, got ${image.data.length}`);
}

export function checkAugmentOptions(options: AugmentOptions): void {
  for (const [k, v] of Object.entries(options) as [string, AugmentStep | undefined][]) {
    if (!(k in MAX_STRENGTH)) throw new InvalidArgumentError(`unknown augmentation step '${k}' (expected one of ${AUGMENT_STEPS.join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || !Number.isFinite(v.p) || v.p < 0 || v.p > 1) throw new InvalidArgumentError(`augmentation '${k}': p must be in [0, 1], got ${String((v as Partial<AugmentStep> | null)?.p)}`);
    const max = MAX_STRENGTH[k as keyof AugmentOptions];
    if (!Number.isFinite(v.strength) || v.strength < 0 || v.strength > max) throw new InvalidArgumentError(`augmentation '${k}': strength must be in [0, ${max}], got ${v.strength}`);
  }
}

/** Applies each configured step with its probability, in the order crop → warp → colour → invert → blur → noise. */
export function augment(image: RgbaImage, random: RandomInput, options: AugmentOptions = PADDLE_REC_AUG, limits: ImageLimits = DEFAULT_LIMITS): AugmentResult {
  checkRgba(image, limits);
  checkAugmentOptions(options);
  const rng = toRandom(random);
  const applied: (keyof AugmentOptions)[] = [];
  // Every step draws its coin even when disabled, so one step's setting never shifts another's draws.
  const on = (k: keyof AugmentOptions): AugmentStep | null => {
    const s = options[k];
    const hit = rng.next() < (s?.p ?? 0);
    if (!hit || s === undefined) return null;
    applied.push(k);
    return s;
  };
  let img: RgbaImage = image;
  const crop = on('crop');
  if (crop !== null) img = cropJitter(img, rng, crop.strength);
  const maps: PointMap[] = [];
  const persp = on('perspective');
  if (persp !== null) maps.push(perspectiveMap(img.width, img.height, rng, persp.strength));
  const curve = on('curve');
  if (curve !== null) maps.push(curveMap(img.width, img.height, rng.uniform(-curve.strength, curve.strength)));
  const distort = on('distort');
  if (distort !== null) maps.push(meshMap(img.width, img.height, rng, distort.strength));
  if (maps.length > 0) img = warp(img, img.width, img.height, composeMaps(maps));
  const color = on('color');
  if (color !== null) img = colorJitter(img, rng, color.strength);
  if (on('invert') !== null) img = invert(img);
  const blur = on('blur');
  if (blur !== null) img = gaussianBlur(img, rng.uniform(0.3, Math.max(0.3, blur.strength)));
  const noise = on('noise');
  if (noise !== null) img = gaussianNoise(img, rng, rng.uniform(0, noise.strength));
  return { image: img === image ? copy(image) : img, applied };
}

function copy(image: RgbaImage): RgbaImage {
  return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
}

/** Maps an output pixel centre (x, y) to a source position, writing it into `out`. */
export type PointMap = (x: number, y: number, out: Float64Array) => void;

/** Output → source: the maps apply in order (the first map sees output coordinates). */
function composeMaps(maps: PointMap[]): PointMap {
  if (maps.length === 1) return maps[0]!;
  return (x, y, out) => {
    let px = x;
    let py = y;
    for (const m of maps) {
      m(px, py, out);
      px = out[0]!;
      py = out[1]!;
    }
  };
}

/**
 * Inverse-mapped bilinear resampling into an outW × outH image; sources outside the image take the
 * nearest edge pixel (replicate). Pixel centres are at +0.5.
 */
export function warp(src: RgbaImage, outW: number, outH: number, map: PointMap): RgbaImage {
  const { width: w, height: h, data } = src;
  const out = new Uint8ClampedArray(outW * outH * 4);
  const p = new Float64Array(2);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      map(x + 0.5, y + 0.5, p);
      let sx = p[0]! - 0.5;
      let sy = p[1]! - 0.5;
      if (!(sx >= 0)) sx = 0; // also NaN
      if (!(sy >= 0)) sy = 0;
      if (sx > w - 1) sx = w - 1;
      if (sy > h - 1) sy = h - 1;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const a = (y0 * w + x0) * 4;
      const b = (y0 * w + x1) * 4;
      const c = (y1 * w + x0) * 4;
      const d = (y1 * w + x1) * 4;
      const o = (y * outW + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = data[a + k]! + (data[b + k]! - data[a + k]!) * fx;
        const bot = data[c + k]! + (data[d + k]! - data[c + k]!) * fx;
        out[o + k] = top + (bot - top) * fy;
      }
    }
  }
  return { width: outW, height: outH, data: out };
}

/** The homography taking the four `from` points to the four `to` points (row-major 3×3, h33 = 1). */
export function homography(from: readonly [number, number][], to: readonly [number, number][]): Float64Array {
  // 8 equations in h11..h32: u = (h11 x + h12 y + h13) / (h31 x + h32 y + 1), v likewise.
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let piv = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    if (Math.abs(a[piv]![c]!) < 1e-12) throw new InvalidArgumentError('degenerate quadrilateral: no homography');
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    const row = a[c]!;
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / row[c]!;
      if (f === 0) continue;
      for (let k = c; k < 9; k++) a[r]![k] = a[r]![k]! - f * row[k]!;
    }
  }
  const hm = new Float64Array(9);
  for (let i = 0; i < 8; i++) hm[i] = a[i]![8]! / a[i]![i]!;
  hm[8] = 1;
  return hm;
}

/** A map through a homography (output → source). */
export function homographyMap(hm: Float64Array): PointMap {
  return (x, y, out) => {
    const d = hm[6]! * x + hm[7]! * y + hm[8]!;
    out[0] = (hm[0]! * x + hm[1]! * y + hm[2]!) / d;
    out[1] = (hm[3]! * x + hm[4]! * y + hm[5]!) / d;
  };
}

/**
 * Perspective: the output rectangle shows a source quadrilateral whose corners are the image corners
 * moved by up to `strength` × height (inwards or outwards), like viewing the word off-axis.
 */
export function perspectiveMap(w: number, h: number, rng: Random, strength: number): PointMap {
  const s = strength * h;
  const j = (): number => rng.uniform(-s, s);
  const corners: [number, number][] = [[0, 0], [w, 0], [w, h], [0, h]];
  const quad = corners.map(([x, y]) => [x + j() * 0.5, y + j()] as [number, number]);
  return homographyMap(homography(corners, quad));
}

/** Baseline bend: rows shift by a parabolic arc of amplitude `amount` × height, centred on zero. */
export function curveMap(w: number, h: number, amount: number): PointMap {
  const a = amount * h;
  return (x, y, out) => {
    const t = (2 * x) / w - 1;
    out[0] = x;
    out[1] = y + a * (1 - t * t) - a / 2;
  };
}

/** TIA-like mesh warp: 3–6 segments; top and bottom control points move up to `strength` × height. */
export function meshMap(w: number, h: number, rng: Random, strength: number): PointMap {
  const n = rng.int(3, 6);
  const s = strength * h;
  const top = new Float64Array((n + 1) * 2);
  const bot = new Float64Array((n + 1) * 2);
  for (let k = 0; k <= n; k++) {
    const x = (k * w) / n;
    top[2 * k] = x + rng.uniform(-s, s);
    top[2 * k + 1] = rng.uniform(-s, s);
    bot[2 * k] = x + rng.uniform(-s, s);
    bot[2 * k + 1] = h + rng.uniform(-s, s);
  }
  return (x, y, out) => {
    const fx = Math.min(Math.max((x / w) * n, 0), n - 1e-9);
    const k = Math.floor(fx);
    const t = fx - k;
    const fy = y / h;
    const tx = top[2 * k]! + (top[2 * k + 2]! - top[2 * k]!) * t;
    const ty = top[2 * k + 1]! + (top[2 * k + 3]! - top[2 * k + 1]!) * t;
    const bx = bot[2 * k]! + (bot[2 * k + 2]! - bot[2 * k]!) * t;
    const by = bot[2 * k + 1]! + (bot[2 * k + 3]! - bot[2 * k + 1]!) * t;
    out[0] = tx + (bx - tx) * fy;
    out[1] = ty + (by - ty) * fy;
  };
}

/**
 * Cuts up to `strength` × height from each edge (the height on all four sides, as PaddleOCR's crop cuts
 * rows: a fraction of the width would remove whole characters of a long word), keeping at least half
 * of each side.
 */
export function cropJitter(src: RgbaImage, rng: Random, strength: number): RgbaImage {
  const { width: w, height: h } = src;
  const cut = (side: number): [number, number] => {
    const budget = Math.floor(side / 4); // each end at most a quarter: at least half remains
    const a = Math.min(budget, Math.floor(rng.uniform(0, strength) * h));
    const b = Math.min(budget, Math.floor(rng.uniform(0, strength) * h));
    return [a, b];
  };
  const [l, r] = cut(w);
  const [t, b] = cut(h);
  const ow = w - l - r;
  const oh = h - t - b;
  const out = new Uint8ClampedArray(ow * oh * 4);
  for (let y = 0; y < oh; y++) out.set(src.data.subarray(((y + t) * w + l) * 4, ((y + t) * w + l + ow) * 4), y * ow * 4);
  return { width: ow, height: oh, data: out };
}

/** Brightness, contrast, saturation and per-channel gain jitter (alpha kept). */
export function colorJitter(src: RgbaImage, rng: Random, strength: number): RgbaImage {
  const brightness = rng.uniform(-strength, strength) * 96;
  const contrast = 1 + rng.uniform(-strength, strength) * 0.8;
  const saturation = 1 + rng.uniform(-strength, strength);
  const gain = [0, 1, 2].map(() => 1 + rng.uniform(-strength, strength) * 0.3);
  const d = src.data;
  const out = new Uint8ClampedArray(d.length);
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i]!;
    const g = d[i + 1]!;
    const b = d[i + 2]!;
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    for (let c = 0; c < 3; c++) {
      const v = grey + (d[i + c]! - grey) * saturation;
      out[i + c] = (v * gain[c]! - 128) * contrast + 128 + brightness;
    }
    out[i + 3] = d[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

export function invert(src: RgbaImage): RgbaImage {
  const d = src.data;
  const out = new Uint8ClampedArray(d.length);
  for (let i = 0; i < d.length; i += 4) {
    out[i] = 255 - d[i]!;
    out[i + 1] = 255 - d[i + 1]!;
    out[i + 2] = 255 - d[i + 2]!;
    out[i + 3] = d[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}

/** Separable Gaussian blur (radius ⌈3σ⌉, edges replicated) of the colour channels. */
export function gaussianBlur(src: RgbaImage, sigma: number): RgbaImage {
  if (!(sigma > 0) || sigma > 16) throw new InvalidArgumentError(`blur sigma must be in (0, 16], got ${sigma}`);
  const r = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += kernel[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] = kernel[i]! / sum;
  const { width: w, height: h } = src;
  const tmp = new Float32Array(w * h * 3);
  const d = src.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let a = 0;
      let b = 0;
      let c = 0;
      for (let k = -r; k <= r; k++) {
        const xx = Math.min(Math.max(x + k, 0), w - 1);
        const i = (y * w + xx) * 4;
        const f = kernel[k + r]!;
        a += d[i]! * f;
        b += d[i + 1]! * f;
        c += d[i + 2]! * f;
      }
      const o = (y * w + x) * 3;
      tmp[o] = a;
      tmp[o + 1] = b;
      tmp[o + 2] = c;
    }
  }
  const out = new Uint8ClampedArray(d.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let a = 0;
      let b = 0;
      let c = 0;
      for (let k = -r; k <= r; k++) {
        const yy = Math.min(Math.max(y + k, 0), h - 1);
        const i = (yy * w + x) * 3;
        const f = kernel[k + r]!;
        a += tmp[i]! * f;
        b += tmp[i + 1]! * f;
        c += tmp[i + 2]! * f;
      }
      const o = (y * w + x) * 4;
      out[o] = a;
      out[o + 1] = b;
      out[o + 2] = c;
      out[o + 3] = d[o + 3]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** Adds N(0, σ²) per colour channel and pixel (σ in 0–255 units). */
export function gaussianNoise(src: RgbaImage, rng: Random, sigma: number): RgbaImage {
  const d = src.data;
  const out = new Uint8ClampedArray(d.length);
  for (let i = 0; i < d.length; i += 4) {
    out[i] = d[i]! + rng.normal() * sigma;
    out[i + 1] = d[i + 1]! + rng.normal() * sigma;
    out[i + 2] = d[i + 2]! + rng.normal() * sigma;
    out[i + 3] = d[i + 3]!;
  }
  return { width: src.width, height: src.height, data: out };
}
