/**
 * Rendering one planned sample (MJSynth-style): the word's fill and outline masks are drawn with Canvas
 * 2D text at 1.5× the output scale, cut to the ink plus the planned margins, warped (perspective, then a
 * bent baseline) into the output size, and composited in TypeScript over a generated background with an
 * optional drop shadow; then the planned photometric augmentation. The canvas is only a text
 * rasteriser (`SynthContext2D`), so the browser and Node run the same code.
 */
import { augment, gaussianBlur, homography, warp, type AugmentOptions } from '../image/augment.ts';
import { jpegArtifacts, lowResolution } from '../image/degrade.ts';
import { Rng } from '../image/rng.ts';
import type { RgbaImage } from '../image/types.ts';
import { SynthOptionsError } from './errors.ts';
import type { Background, CanvasProvider, RenderParams, RichParams, Rgb, SynthContext2D } from './types.ts';
import { PATCH_COLUMNS, PATCH_SIZE } from './real_colors.ts';

/** Font size on the working canvas, relative to the output height. */
const SCALE = 1.5;
/** Bound of the working canvas (pixels): keeps a 256-letter word at height 256 to ~16 MB of masks. */
const MAX_WORK_PIXELS = 4_000_000;

export interface RenderSize {
  height: number;
  /** Fixed width, or null for the width from the text within [minWidth, maxWidth]. */
  width: number | null;
  minWidth: number;
  maxWidth: number;
}

interface Mask {
  width: number;
  height: number;
  a: Float32Array;
}

/** Vertical extent of a font's "Hg" relative to the baseline, in font sizes: [top (negative), bottom]. */
type FontBox = [number, number];

export class SynthRenderer {
  private readonly boxes = new Map<string, FontBox>();

  constructor(
    private readonly canvas: CanvasProvider,
    private readonly images: readonly RgbaImage[] = [],
    /** The atlas of real background patches (assets/patches.jpg), needed by the rich style. */
    private readonly patches: RgbaImage | null = null,
  ) {}

  render(p: RenderParams, size: RenderSize, augmentOptions: AugmentOptions | false): RgbaImage {
    if (p.rich !== undefined) return this.renderRich(p, p.rich, size, augmentOptions);
    let fontPx = Math.max(8, Math.round(size.height * SCALE));
    let ctx = this.canvas(8, 8);
    ctx.font = `${fontPx}px "${p.font}"`;
    let textW = ctx.measureText(p.text).width;
    // A long word at a large height: draw smaller so the working canvas stays under MAX_WORK_PIXELS.
    const area = (textW + 3 * fontPx) * fontPx * 2.2;
    if (area > MAX_WORK_PIXELS) {
      fontPx = Math.max(8, Math.floor(fontPx * Math.sqrt(MAX_WORK_PIXELS / area)));
      ctx.font = `${fontPx}px "${p.font}"`;
      textW = ctx.measureText(p.text).width;
    }
    const font = `${fontPx}px "${p.font}"`;
    const borderPx = p.border === null ? 0 : Math.max(1, p.border.width * fontPx);
    // Working canvas: room for swashes on both sides, ascenders and descenders.
    const margin = Math.ceil(fontPx * 0.6 + borderPx);
    const cw = Math.min(16384, Math.ceil(textW + 2 * margin));
    const ch = Math.ceil(fontPx * 2 + 2 * borderPx);
    const baseline = Math.round(fontPx * 1.3 + borderPx);
    ctx = this.canvas(cw, ch);
    const fill = this.mask(ctx, cw, ch, font, (c) => c.fillText(p.text, margin, baseline));
    const outline = p.border === null ? null : this.mask(ctx, cw, ch, font, (c) => {
      c.lineWidth = 2 * borderPx;
      c.lineJoin = 'round';
      c.strokeText(p.text, margin, baseline);
      c.fillText(p.text, margin, baseline);
    });
    // Crop box: the ink horizontally, the font's "Hg" extent ∪ the ink vertically, plus the margins.
    const box = this.fontBox(p.font, fontPx);
    const ink = inkBox(outline ?? fill);
    const top = Math.min(baseline + box[0] * fontPx - borderPx, ink?.[1] ?? Infinity);
    const bottom = Math.max(baseline + box[1] * fontPx + borderPx, ink?.[3] ?? -Infinity);
    const left = ink?.[0] ?? margin;
    const right = ink?.[2] ?? margin + textW;
    const th = Math.max(1, bottom - top);
    const x0 = left - p.pad[0] * th;
    const x1 = right + p.pad[2] * th;
    const y0 = top - p.pad[1] * th;
    const y1 = bottom + p.pad[3] * th;
    // Rotation: the crop becomes the bounds of the rotated box (the whole word stays in).
    const theta = (p.rotation * Math.PI) / 180;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const bw = (x1 - x0) * Math.abs(cos) + (y1 - y0) * Math.abs(sin);
    const bh = (x1 - x0) * Math.abs(sin) + (y1 - y0) * Math.abs(cos);
    const H = size.height;
    const W = size.width ?? Math.min(size.maxWidth, Math.max(size.minWidth, Math.round((bw / bh) * H * p.stretch)));
    const map = outputToSource(p, W, H, { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, bw, bh, cos, sin });
    const fillW = warpMask(fill, W, H, map);
    const outW = outline === null ? null : warpMask(outline, W, H, map);
    const img = background(p.background, W, H, this.images);
    if (p.shadow !== null) {
      const s = p.shadow;
      const shape = outW ?? fillW;
      let shadow = shift(shape, Math.round(s.dx * H), Math.round(s.dy * H));
      const sigma = s.blur * H;
      if (sigma >= 0.3) shadow = blurMask(shadow, sigma);
      blend(img, shadow, s.color, s.opacity);
    }
    if (outW !== null && p.border !== null) blend(img, outW, p.border.color, 1);
    blend(img, fillW, p.fill, p.fillOpacity);
    if (augmentOptions === false || p.augmentSeed === null) return img;
    return augment(img, new Rng(p.augmentSeed), augmentOptions).image;
  }

  /**
   * The rich style: the word drawn character by character (planned spacing), neighbouring text in its
   * own mask, an arc and the rotation in the inverse map, then low resolution, augmentation and JPEG.
   */
  private renderRich(p: RenderParams, r: RichParams, size: RenderSize, augmentOptions: AugmentOptions | false): RgbaImage {
    const chars = [...p.text];
    const nb = r.neighbours;
    let fontPx = Math.max(8, Math.round(size.height * SCALE));
    let ctx = this.canvas(8, 8);
    const measure = (px: number): { textW: number; xs: number[]; lw: number; rw: number; aw: number; bw: number } => {
      ctx.font = `${px}px "${p.font}"`;
      const xs: number[] = [];
      let extra = 0;
      for (let i = 0; i < chars.length; i++) {
        xs.push(ctx.measureText(chars.slice(0, i).join('')).width + extra);
        extra += (r.spacing?.[i] ?? 0) * px;
      }
      const w = (t: string): number => (t === '' ? 0 : ctx.measureText(t).width);
      return { textW: ctx.measureText(p.text).width + extra - (r.spacing?.[chars.length - 1] ?? 0) * px, xs, lw: w(nb.left), rw: w(nb.right), aw: w(nb.above), bw: w(nb.below) };
    };
    let m = measure(fontPx);
    const areaOf = (px: number, mm: typeof m): number => (mm.lw + mm.rw + mm.textW + 3 * px) * px * (2.2 + 2 * nb.lineGap);
    if (areaOf(fontPx, m) > MAX_WORK_PIXELS) {
      fontPx = Math.max(8, Math.floor(fontPx * Math.sqrt(MAX_WORK_PIXELS / areaOf(fontPx, m))));
      m = measure(fontPx);
    }
    const font = `${fontPx}px "${p.font}"`;
    const borderPx = p.border === null ? 0 : Math.max(1, p.border.width * fontPx);
    // As the basic style: room for swashes. The crop may reach past the canvas (rotation, wide margins):
    // there the masks are empty, which is right, since only the word and its neighbours have ink.
    const margin = Math.ceil(fontPx * 0.6 + borderPx);
    const gapPx = nb.gap * fontPx;
    const leftRoom = nb.left === '' ? 0 : m.lw + gapPx;
    const rightRoom = nb.right === '' ? 0 : m.rw + gapPx;
    const lineRoom = nb.above === '' && nb.below === '' ? 0 : nb.lineGap * fontPx;
    const x0t = Math.ceil(leftRoom + margin);
    const cw = Math.min(16384, Math.ceil(x0t + m.textW + margin + rightRoom));
    const ch = Math.ceil(fontPx * 2 + 2 * borderPx + 2 * lineRoom);
    const baseline = Math.round(fontPx * 1.3 + borderPx + lineRoom);
    ctx = this.canvas(cw, ch);
    const word = (c: SynthContext2D, stroke: boolean): void => {
      chars.forEach((t, i) => {
        if (stroke) c.strokeText(t, x0t + m.xs[i]!, baseline);
        c.fillText(t, x0t + m.xs[i]!, baseline);
      });
    };
    const fill = this.mask(ctx, cw, ch, font, (c) => word(c, false));
    const outline = p.border === null ? null : this.mask(ctx, cw, ch, font, (c) => {
      c.lineWidth = 2 * borderPx;
      c.lineJoin = 'round';
      word(c, true);
    });
    const hasNeighbours = nb.left !== '' || nb.right !== '' || nb.above !== '' || nb.below !== '';
    const clutter = !hasNeighbours ? null : this.mask(ctx, cw, ch, font, (c) => {
      if (p.border !== null) {
        c.lineWidth = 2 * borderPx;
        c.lineJoin = 'round';
      }
      const put = (t: string, x: number, y: number): void => {
        if (t === '') return;
        if (p.border !== null) c.strokeText(t, x, y);
        c.fillText(t, x, y);
      };
      put(nb.left, x0t - gapPx - m.lw, baseline);
      put(nb.right, x0t + m.textW + gapPx, baseline);
      put(nb.above, x0t + nb.shift * m.textW, baseline - lineRoom);
      put(nb.below, x0t - nb.shift * m.textW, baseline + lineRoom);
    });
    const box = this.fontBox(p.font, fontPx);
    const ink = inkBox(outline ?? fill);
    const top = Math.min(baseline + box[0] * fontPx - borderPx, ink?.[1] ?? Infinity);
    const bottom = Math.max(baseline + box[1] * fontPx + borderPx, ink?.[3] ?? -Infinity);
    const left = ink?.[0] ?? x0t;
    const right = ink?.[2] ?? x0t + m.textW;
    const th = Math.max(1, bottom - top);
    const x0 = left - p.pad[0] * th;
    const x1 = right + p.pad[2] * th;
    const y0 = top - p.pad[1] * th;
    const y1 = bottom + p.pad[3] * th;
    const w0 = Math.max(1, x1 - x0);
    const h0 = Math.max(1, y1 - y0);
    const arc = arcMap(r.arc, w0, h0);
    const theta = (p.rotation * Math.PI) / 180;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const bw = arc.w * Math.abs(cos) + arc.h * Math.abs(sin);
    const bh = arc.w * Math.abs(sin) + arc.h * Math.abs(cos);
    const H = size.height;
    const W = size.width ?? Math.min(size.maxWidth, Math.max(size.minWidth, Math.round((bw / bh) * H * p.stretch)));
    const straight = outputToSource(p, W, H, { cx: 0, cy: 0, bw, bh, cos, sin });
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const map: Map2 = (x, y, out) => {
      straight(x, y, out);
      arc.inverse(out[0]! + arc.cx, out[1]! + arc.cy, out);
      out[0] = out[0]! + cx;
      out[1] = out[1]! + cy;
    };
    const fillW = warpMask(fill, W, H, map);
    const outW = outline === null ? null : warpMask(outline, W, H, map);
    const clutW = clutter === null ? null : warpMask(clutter, W, H, map);
    let img = background(p.background, W, H, this.images, this.patches);
    if (p.shadow !== null) {
      const s = p.shadow;
      let shadow = shift(outW ?? fillW, Math.round(s.dx * H), Math.round(s.dy * H));
      const sigma = s.blur * H;
      if (sigma >= 0.3) shadow = blurMask(shadow, sigma);
      blend(img, shadow, s.color, s.opacity);
    }
    if (clutW !== null) {
      if (p.border !== null && nb.color === null) blend(img, clutW, p.border.color, 1);
      blend(img, clutW, nb.color ?? p.fill, p.fillOpacity);
    }
    if (outW !== null && p.border !== null) blend(img, outW, p.border.color, 1);
    blend(img, fillW, p.fill, p.fillOpacity);
    if (r.lowRes < 1) img = lowResolution(img, r.lowRes);
    if (augmentOptions !== false && p.augmentSeed !== null) img = augment(img, new Rng(p.augmentSeed), augmentOptions).image;
    if (r.jpeg > 0) img = jpegArtifacts(img, r.jpeg);
    return img;
  }

  /** Draws with white on a cleared canvas and returns the alpha channel in [0, 1]. */
  private mask(ctx: SynthContext2D, w: number, h: number, font: string, draw: (c: SynthContext2D) => void): Mask {
    ctx.clearRect(0, 0, w, h);
    ctx.font = font;
    ctx.textBaseline = 'alphabetic';
    ctx.fillStyle = '#ffffff';
    ctx.strokeStyle = '#ffffff';
    draw(ctx);
    const d = ctx.getImageData(0, 0, w, h).data;
    const a = new Float32Array(w * h);
    for (let i = 0; i < a.length; i++) a[i] = d[i * 4 + 3]! / 255;
    return { width: w, height: h, a };
  }

  private fontBox(family: string, fontPx: number): FontBox {
    const hit = this.boxes.get(family);
    if (hit !== undefined) return hit;
    const w = fontPx * 4;
    const h = fontPx * 3;
    const base = fontPx * 2;
    const ctx = this.canvas(w, h);
    const m = this.mask(ctx, w, h, `${fontPx}px "${family}"`, (c) => c.fillText('Hg', fontPx * 0.5, base));
    const ink = inkBox(m);
    const box: FontBox = ink === null ? [-0.75, 0.25] : [(ink[1] - base) / fontPx, (ink[3] - base) / fontPx];
    this.boxes.set(family, box);
    return box;
  }
}

/** Bounding box [x0, y0, x1, y1] (exclusive ends) of alpha > 0.1, or null when there is no ink. */
function inkBox(m: Mask): [number, number, number, number] | null {
  let x0 = m.width;
  let y0 = m.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (m.a[y * m.width + x]! > 0.1) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1];
}

type Map2 = (x: number, y: number, out: Float64Array) => void;

/** The crop on the working canvas: centre, size (the rotated box's bounds) and the rotation. */
interface CropBox {
  cx: number;
  cy: number;
  bw: number;
  bh: number;
  cos: number;
  sin: number;
}

/** Output pixel → working-canvas position: perspective (homography), bent baseline, then the (rotated) crop box. */
function outputToSource(p: RenderParams, W: number, H: number, box: CropBox): Map2 {
  const { cx, cy, bw, bh, cos, sin } = box;
  const q = p.perspective;
  const rect: [number, number][] = [[0, 0], [W, 0], [W, H], [0, H]];
  const quad = rect.map(([x, y], i) => [x + q[2 * i]! * H, y + q[2 * i + 1]! * H] as [number, number]);
  const hm = homography(rect, quad);
  const a = p.curve * H;
  return (x, y, out) => {
    const d = hm[6]! * x + hm[7]! * y + hm[8]!;
    const px = (hm[0]! * x + hm[1]! * y + hm[2]!) / d;
    let py = (hm[3]! * x + hm[4]! * y + hm[5]!) / d;
    const t = (2 * px) / W - 1;
    py += a * (1 - t * t) - a / 2;
    const u = (px / W - 0.5) * bw;
    const v = (py / H - 0.5) * bh;
    out[0] = cx + u * cos - v * sin;
    out[1] = cy + u * sin + v * cos;
  };
}

/**
 * The word bent along a circle spanning `angle` radians (positive: ∩, negative: ∪) of a straight
 * w × h box centred on 0: the bent shape's size, its centre, and the inverse (bent → straight) map.
 */
function arcMap(angle: number, w: number, h: number): { w: number; h: number; cx: number; cy: number; inverse: (x: number, y: number, out: Float64Array) => void } {
  if (angle === 0) {
    return { w, h, cx: 0, cy: 0, inverse: (x, y, out) => { out[0] = x; out[1] = y; } };
  }
  const s = angle > 0 ? 1 : -1;
  const R = w / Math.abs(angle);
  // Straight (u, v) → bent (X, Y): radius R − s·v around a centre on the vertical axis.
  const fwd = (u: number, v: number): [number, number] => {
    const rho = R - s * v;
    return [rho * Math.sin(u / R), s * (R - rho * Math.cos(u / R))];
  };
  let xa = Infinity;
  let xb = -Infinity;
  let ya = Infinity;
  let yb = -Infinity;
  for (let i = 0; i <= 32; i++) {
    const t = i / 32 - 0.5;
    for (const [u, v] of [[t * w, -h / 2], [t * w, h / 2], [-w / 2, t * h], [w / 2, t * h]] as const) {
      const [X, Y] = fwd(u, v);
      xa = Math.min(xa, X);
      xb = Math.max(xb, X);
      ya = Math.min(ya, Y);
      yb = Math.max(yb, Y);
    }
  }
  return {
    w: xb - xa,
    h: yb - ya,
    cx: (xa + xb) / 2,
    cy: (ya + yb) / 2,
    inverse: (X, Y, out) => {
      const a = R - s * Y;
      const rho = Math.hypot(X, a);
      out[0] = R * Math.atan2(X, a);
      out[1] = s * (R - rho);
    },
  };
}

/** Bilinear sampling of a mask (0 outside) at the mapped positions of the W × H output pixels. */
function warpMask(m: Mask, W: number, H: number, map: Map2): Mask {
  const a = new Float32Array(W * H);
  const p = new Float64Array(2);
  const { width: w, height: h } = m;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : m.a[y * w + x]!);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      map(x + 0.5, y + 0.5, p);
      const sx = p[0]! - 0.5;
      const sy = p[1]! - 0.5;
      if (!(sx > -1 && sy > -1 && sx < w && sy < h)) continue;
      const xi = Math.floor(sx);
      const yi = Math.floor(sy);
      const fx = sx - xi;
      const fy = sy - yi;
      const top = at(xi, yi) + (at(xi + 1, yi) - at(xi, yi)) * fx;
      const bot = at(xi, yi + 1) + (at(xi + 1, yi + 1) - at(xi, yi + 1)) * fx;
      a[y * W + x] = top + (bot - top) * fy;
    }
  }
  return { width: W, height: H, a };
}

function shift(m: Mask, dx: number, dy: number): Mask {
  const a = new Float32Array(m.a.length);
  for (let y = 0; y < m.height; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= m.height) continue;
    for (let x = 0; x < m.width; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < m.width) a[y * m.width + x] = m.a[sy * m.width + sx]!;
    }
  }
  return { width: m.width, height: m.height, a };
}

function blurMask(m: Mask, sigma: number): Mask {
  const rgba = new Uint8ClampedArray(m.a.length * 4);
  for (let i = 0; i < m.a.length; i++) rgba[i * 4] = m.a[i]! * 255;
  const b = gaussianBlur({ width: m.width, height: m.height, data: rgba }, Math.min(sigma, 16)).data;
  const a = new Float32Array(m.a.length);
  for (let i = 0; i < a.length; i++) a[i] = b[i * 4]! / 255;
  return { width: m.width, height: m.height, a };
}

/** img = img·(1 − α·opacity) + colour·α·opacity. */
function blend(img: RgbaImage, m: Mask, c: Rgb, opacity: number): void {
  const d = img.data;
  for (let i = 0; i < m.a.length; i++) {
    const t = m.a[i]! * opacity;
    if (t <= 0) continue;
    const o = i * 4;
    d[o] = d[o]! + (c[0] - d[o]!) * t;
    d[o + 1] = d[o + 1]! + (c[1] - d[o + 1]!) * t;
    d[o + 2] = d[o + 2]! + (c[2] - d[o + 2]!) * t;
  }
}

/** The background of a W × H output, from its planned parameters (textures from their own seed). */
export function background(b: Background, W: number, H: number, images: readonly RgbaImage[] = [], patches: RgbaImage | null = null): RgbaImage {
  const data = new Uint8ClampedArray(W * H * 4);
  const put = (i: number, c0: Rgb, c1: Rgb, t: number): void => {
    data[i * 4] = c0[0] + (c1[0] - c0[0]) * t;
    data[i * 4 + 1] = c0[1] + (c1[1] - c0[1]) * t;
    data[i * 4 + 2] = c0[2] + (c1[2] - c0[2]) * t;
    data[i * 4 + 3] = 255;
  };
  if (b.kind === 'patch') {
    if (patches === null) throw new SynthOptionsError('the rich style needs the atlas of background patches (createNodeSynth and createBrowserSynth load it)');
    const [pw, ph] = PATCH_SIZE;
    const px = (b.patch % PATCH_COLUMNS) * pw;
    const py = Math.floor(b.patch / PATCH_COLUMNS) * ph;
    if (py + ph > patches.height || px + pw > patches.width) throw new SynthOptionsError(`background patch ${b.patch} is outside the ${patches.width}×${patches.height} atlas`);
    const patch = warp(patches, W, H, (x, y, out) => {
      const u = Math.min(pw - 0.5, Math.max(0.5, (x / W) * pw));
      const v = Math.min(ph - 0.5, Math.max(0.5, (y / H) * ph));
      out[0] = px + (b.flipX ? pw - u : u);
      out[1] = py + (b.flipY ? ph - v : v);
    });
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 3; c++) data[i * 4 + c] = patch.data[i * 4 + c]! * b.gain;
      data[i * 4 + 3] = 255;
    }
  } else if (b.kind === 'image') {
    const src = images[b.image];
    if (src === undefined) throw new SynthOptionsError(`background image ${b.image} is not among the ${images.length} given`);
    // Bilinear resample of the window to W × H, then its deviations from its own mean around b.color.
    const [fx, fy, fw, fh] = b.window;
    const patch = warp(src, W, H, (x, y, out) => {
      out[0] = (fx + (x / W) * fw) * src.width;
      out[1] = (fy + (y / H) * fh) * src.height;
    });
    const mean = [0, 0, 0];
    const n = W * H;
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) mean[c] = mean[c]! + patch.data[i * 4 + c]! / n;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) data[i * 4 + c] = b.color[c]! + (patch.data[i * 4 + c]! - mean[c]!) * b.amp;
      data[i * 4 + 3] = 255;
    }
  } else if (b.kind === 'solid') {
    for (let i = 0; i < W * H; i++) put(i, b.color, b.color, 0);
  } else if (b.kind === 'gradient') {
    const cx = Math.cos(b.angle);
    const cy = Math.sin(b.angle);
    const ext = Math.abs(cx) * W + Math.abs(cy) * H || 1;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) put(y * W + x, b.colors[0], b.colors[1], 0.5 + ((x - W / 2) * cx + (y - H / 2) * cy) / ext);
  } else if (b.kind === 'texture') {
    // Two octaves of value noise: random values on a grid of `cell` px, bilinear between them.
    const rng = new Rng(b.seed);
    const field = new Float32Array(W * H);
    for (const [cell, weight] of [[b.cell * 3, 0.6], [b.cell, 0.4]] as const) {
      const gw = Math.ceil(W / cell) + 2;
      const gh = Math.ceil(H / cell) + 2;
      const g = new Float32Array(gw * gh);
      for (let i = 0; i < g.length; i++) g[i] = rng.next();
      for (let y = 0; y < H; y++) {
        const fy = y / cell;
        const yi = Math.floor(fy);
        const ty = fy - yi;
        for (let x = 0; x < W; x++) {
          const fx = x / cell;
          const xi = Math.floor(fx);
          const tx = fx - xi;
          const a = g[yi * gw + xi]! + (g[yi * gw + xi + 1]! - g[yi * gw + xi]!) * tx;
          const c = g[(yi + 1) * gw + xi]! + (g[(yi + 1) * gw + xi + 1]! - g[(yi + 1) * gw + xi]!) * tx;
          field[y * W + x] = field[y * W + x]! + (a + (c - a) * ty) * weight;
        }
      }
    }
    for (let i = 0; i < W * H; i++) put(i, b.colors[0], b.colors[1], field[i]!);
  } else {
    // Clutter: a base colour crossed by a few bars and strokes, like the edges of a natural image patch.
    const rng = new Rng(b.seed);
    for (let i = 0; i < W * H; i++) put(i, b.colors[0], b.colors[0], 0);
    for (let s = 0; s < b.shapes; s++) {
      const angle = rng.uniform(0, Math.PI);
      const nx = Math.cos(angle);
      const ny = Math.sin(angle);
      const cx = rng.uniform(0, W);
      const cy = rng.uniform(0, H);
      const half = rng.uniform(0.5, H / 3);
      const alpha = rng.uniform(0.15, 0.6);
      const tint = rng.uniform(0.3, 1);
      const c: Rgb = [b.colors[1][0] * tint, b.colors[1][1] * tint, b.colors[1][2] * tint];
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const dist = Math.abs((x - cx) * nx + (y - cy) * ny);
          if (dist > half + 1) continue;
          const t = alpha * Math.min(1, half + 1 - dist);
          const o = (y * W + x) * 4;
          data[o] = data[o]! + (c[0] - data[o]!) * t;
          data[o + 1] = data[o + 1]! + (c[1] - data[o + 1]!) * t;
          data[o + 2] = data[o + 2]! + (c[2] - data[o + 2]!) * t;
        }
      }
    }
  }
  return { width: W, height: H, data };
}
