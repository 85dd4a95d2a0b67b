/**
 * Bilinear grid sampling in TypeScript with PyTorch `F.grid_sample` semantics (grid_sampler_2d, CPU
 * kernel of PyTorch 1.13): the cpu and wasm kernels, and the numerics the WGSL kernels are checked
 * against. Layout NHWC; the grid is [B, Ho, Wo, 2] in (x, y) order, normalised to [−1, 1].
 *
 * Source pixel from a grid value g on an axis of `size` pixels (docs/models.md §4.5):
 *   alignCorners: i = (g + 1)·(size − 1)/2          (−1 and +1 are the centres of the edge pixels)
 *   otherwise:    i = (g + 1)·size/2 − 1/2          (−1 and +1 are the outer edges of the edge pixels)
 * padding 'border' clips i to [0, size − 1] (the derivative of the clip is 0 at and beyond the edges, as
 * PyTorch's clip_coordinates_set_grad); 'zeros' lets taps outside the image read 0.
 * Bilinear weights with fx = i − ⌊i⌋: nw = (1−fy)(1−fx), ne = (1−fy)fx, sw = fy(1−fx), se = fy·fx.
 *
 * Non-finite grid values: a NaN coordinate samples 0 and gets/gives zero gradient; ±Inf and huge values
 * are clamped to ±4 first (|g| ≥ 4 already puts every tap outside the image, so this changes no result),
 * landing outside the image (zeros) or on its edge (border). No index is formed from an unchecked value.
 */

export type Padding = 'zeros' | 'border';

export interface GridSampleAttrs {
  alignCorners: boolean;
  padding: Padding;
}

/** The range grid values are clamped to before unnormalising (keeps every product finite). */
export const GRID_LIMIT = 4;

export interface Dims {
  B: number;
  H: number;
  W: number;
  C: number;
  Ho: number;
  Wo: number;
}

/** Source coordinate and d(coordinate)/d(grid value) for one axis; coordinate NaN marks "sample nothing". */
export function sourceCoord(g: number, size: number, attrs: GridSampleAttrs): [number, number] {
  if (Number.isNaN(g)) return [NaN, 0];
  const gc = Math.min(Math.max(g, -GRID_LIMIT), GRID_LIMIT);
  const scale = attrs.alignCorners ? (size - 1) / 2 : size / 2;
  let coord = Math.fround(Math.fround(gc + 1) * Math.fround(scale));
  if (!attrs.alignCorners) coord = Math.fround(coord - 0.5);
  let mult = Math.fround(scale);
  if (attrs.padding === 'border') {
    const hi = size - 1;
    if (coord <= 0) {
      coord = 0;
      mult = 0;
    } else if (coord >= hi) {
      coord = hi;
      mult = 0;
    }
  }
  return [coord, mult];
}

/** sourceCoord's coordinate alone (NaN for a NaN grid value), for the forward's inner loop; `scale32` = fround(scale). */
function coordOf(g: number, size: number, scale32: number, alignCorners: boolean, border: boolean): number {
  if (Number.isNaN(g)) return NaN;
  const gc = Math.min(Math.max(g, -GRID_LIMIT), GRID_LIMIT);
  let coord = Math.fround(Math.fround(gc + 1) * scale32);
  if (!alignCorners) coord = Math.fround(coord - 0.5);
  if (border) {
    if (coord <= 0) coord = 0;
    else if (coord >= size - 1) coord = size - 1;
  }
  return coord;
}

/**
 * The forward: per output point, the four taps in the order nw, ne, sw, se, each added to the float32
 * output (rounded after every tap). Written without per-point arrays or tuples (the rectifier samples
 * 48×160 points per word at batch 1); the arithmetic is sourceCoord's and the weights' as stated above.
 */
export function gridSampleForward(image: Float32Array, grid: Float32Array, d: Dims, attrs: GridSampleAttrs, out: Float32Array): void {
  const { B, H, W, C, Ho, Wo } = d;
  const align = attrs.alignCorners;
  const border = attrs.padding === 'border';
  const sx = Math.fround(align ? (W - 1) / 2 : W / 2);
  const sy = Math.fround(align ? (H - 1) / 2 : H / 2);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < Ho * Wo; p++) {
      const gi = (b * Ho * Wo + p) * 2;
      const ix = coordOf(grid[gi]!, W, sx, align, border);
      const iy = coordOf(grid[gi + 1]!, H, sy, align, border);
      const o = (b * Ho * Wo + p) * C;
      if (Number.isNaN(ix) || Number.isNaN(iy)) {
        for (let c = 0; c < C; c++) out[o + c] = 0;
        continue;
      }
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const fx = ix - x0;
      const fy = iy - y0;
      const inX0 = x0 >= 0 && x0 < W;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < W;
      const inY0 = y0 >= 0 && y0 < H;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < H;
      const wnw = (1 - fy) * (1 - fx);
      const wne = (1 - fy) * fx;
      const wsw = fy * (1 - fx);
      const wse = fy * fx;
      const r0 = (b * H + y0) * W;
      const r1 = r0 + W;
      const nw = (r0 + x0) * C;
      const ne = nw + C;
      const sw = (r1 + x0) * C;
      const se = sw + C;
      for (let c = 0; c < C; c++) {
        let acc = 0;
        if (inY0 && inX0) acc = Math.fround(acc + wnw * image[nw + c]!);
        if (inY0 && inX1) acc = Math.fround(acc + wne * image[ne + c]!);
        if (inY1 && inX0) acc = Math.fround(acc + wsw * image[sw + c]!);
        if (inY1 && inX1) acc = Math.fround(acc + wse * image[se + c]!);
        out[o + c] = acc;
      }
    }
  }
}

/** Taps of one grid point: x0, y0, fx, fy, mult_x, mult_y; null for a NaN grid value. */
function taps(grid: Float32Array, gi: number, d: Dims, attrs: GridSampleAttrs): [number, number, number, number, number, number] | null {
  const [ix, mx] = sourceCoord(grid[gi]!, d.W, attrs);
  const [iy, my] = sourceCoord(grid[gi + 1]!, d.H, attrs);
  if (Number.isNaN(ix) || Number.isNaN(iy)) return null;
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  return [x0, y0, ix - x0, iy - y0, mx, my];
}

/**
 * dImage: the scatter-add of dy·weight into each point's four taps (taps outside the image dropped),
 * serially in output order; the WGSL kernel sums in the same order.
 */
export function gridSampleGradImage(dy: Float32Array, grid: Float32Array, d: Dims, attrs: GridSampleAttrs, dImage: Float32Array): void {
  const { B, H, W, C, Ho, Wo } = d;
  dImage.fill(0);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < Ho * Wo; p++) {
      const gi = (b * Ho * Wo + p) * 2;
      const t = taps(grid, gi, d, attrs);
      if (t === null) continue;
      const [x0, y0, fx, fy] = t;
      const o = (b * Ho * Wo + p) * C;
      for (const [y, wy] of [[y0, 1 - fy], [y0 + 1, fy]] as const) {
        if (y < 0 || y >= H) continue;
        for (const [x, wx] of [[x0, 1 - fx], [x0 + 1, fx]] as const) {
          if (x < 0 || x >= W) continue;
          const base = ((b * H + y) * W + x) * C;
          for (let c = 0; c < C; c++) dImage[base + c]! += wy * wx * dy[o + c]!;
        }
      }
    }
  }
}

/** dGrid: per point, Σ_c dy·∂out/∂coordinate, times d(coordinate)/d(grid value). */
export function gridSampleGradGrid(
  dy: Float32Array,
  image: Float32Array,
  grid: Float32Array,
  d: Dims,
  attrs: GridSampleAttrs,
  dGrid: Float32Array,
): void {
  const { B, H, W, C, Ho, Wo } = d;
  const at = (b: number, y: number, x: number, c: number): number =>
    x < 0 || x >= W || y < 0 || y >= H ? 0 : image[((b * H + y) * W + x) * C + c]!;
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < Ho * Wo; p++) {
      const gi = (b * Ho * Wo + p) * 2;
      const t = taps(grid, gi, d, attrs);
      if (t === null) {
        dGrid[gi] = dGrid[gi + 1] = 0;
        continue;
      }
      const [x0, y0, fx, fy, mx, my] = t;
      const o = (b * Ho * Wo + p) * C;
      let gx = 0;
      let gy = 0;
      for (let c = 0; c < C; c++) {
        const g = dy[o + c]!;
        const nw = at(b, y0, x0, c);
        const ne = at(b, y0, x0 + 1, c);
        const sw = at(b, y0 + 1, x0, c);
        const se = at(b, y0 + 1, x0 + 1, c);
        gx += ((ne - nw) * (1 - fy) + (se - sw) * fy) * g;
        gy += ((sw - nw) * (1 - fx) + (se - ne) * fx) * g;
      }
      dGrid[gi] = gx * mx;
      dGrid[gi + 1] = gy * my;
    }
  }
}
