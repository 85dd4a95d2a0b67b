import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { gridSample, type GridSampleOptions } from './grid_sample.ts';
import { gridSampleForward, sourceCoord, type Dims, type GridSampleAttrs } from './reference.ts';

beforeAll(() => registerAllKernels());

const MODES: GridSampleOptions[] = [
  { alignCorners: true, padding: 'zeros' },
  { alignCorners: true, padding: 'border' },
  { alignCorners: false, padding: 'zeros' },
  { alignCorners: false, padding: 'border' },
];

describe.each(['cpu', 'wasm'] as const)('gridSample on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('reproduces the image under the identity grid (alignCorners) and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const image = tf.randomNormal([2, 3, 5, 2], 0, 1, 'float32', 1);
    const grid = tf.tidy(() => {
      const xs = tf.linspace(-1, 1, 5).reshape([1, 5]).tile([3, 1]);
      const ys = tf.linspace(-1, 1, 3).reshape([3, 1]).tile([1, 5]);
      return tf.stack([xs, ys], 2).expandDims(0).tile([2, 1, 1, 1]);
    });
    const y = gridSample(image, grid, { alignCorners: true, padding: 'zeros' });
    const a = await y.data();
    const b = await image.data();
    b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 5));
    tf.dispose([image, grid, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(MODES)('survives NaN and ±Inf grid values (%o)', async (opts) => {
    const image = tf.randomNormal([1, 3, 4, 2], 0, 1, 'float32', 2);
    const bad = [NaN, Infinity, -Infinity, 1e30, -1e30, 0.3];
    const grid = tf.tensor4d(bad.flatMap((v) => [v, 0.1]).concat(bad.flatMap((v) => [0.2, v])), [1, 2, 6, 2]);
    const y = await gridSample(image, grid, opts).data();
    y.forEach((v) => expect(Number.isFinite(v)).toBe(true));
    const [dImage, dGrid] = tf.grads((im: Tensor, g: Tensor) => gridSample(im, g, opts).sum())([image, grid]);
    (await dImage!.data()).forEach((v) => expect(Number.isFinite(v)).toBe(true));
    (await dGrid!.data()).forEach((v) => expect(Number.isFinite(v)).toBe(true));
    // NaN samples 0; far outside samples 0 (zeros) or the edge (border).
    expect(y[0]).toBe(0);
    if (opts.padding === 'zeros') expect(y[2]).toBe(0);
  });

  it.each(MODES)('agrees with central finite differences (%o)', async (opts) => {
    const image = tf.randomNormal([1, 4, 5, 2], 0, 1, 'float32', 3);
    const grid = tf.randomUniform([1, 3, 3, 2], -1.2, 1.2, 'float32', 4);
    const w = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 5);
    const f = (im: Tensor, g: Tensor): Tensor => gridSample(im, g, opts).mul(w).sum();
    const [dImage, dGrid] = tf.grads(f)([image, grid]);
    const im0 = await image.data<'float32'>();
    const g0 = await grid.data<'float32'>();
    const evalAt = async (imv: Float32Array, gv: Float32Array): Promise<number> => {
      const t = f(tf.tensor4d(imv, [1, 4, 5, 2]), tf.tensor4d(gv, [1, 3, 3, 2]));
      return (await t.data())[0]!;
    };
    const h = 1e-2;
    const dImageV = await dImage!.data();
    for (let i = 0; i < im0.length; i += 3) {
      const p = im0.slice();
      const m = im0.slice();
      p[i]! += h;
      m[i]! -= h;
      const fd = ((await evalAt(p, g0)) - (await evalAt(m, g0))) / (2 * h);
      expect(Math.abs(fd - dImageV[i]!)).toBeLessThan(2e-3);
    }
    const dGridV = await dGrid!.data();
    const hg = 1e-3;
    for (let i = 0; i < g0.length; i++) {
      // Skip points within hg of a cell edge or the image border: the sampled surface has kinks there.
      const size = i % 2 === 0 ? 5 : 4;
      const coord = (v: number): number => (opts.alignCorners ? ((v + 1) * (size - 1)) / 2 : ((v + 1) * size - 1) / 2);
      const lo = coord(g0[i]! - hg);
      const hi = coord(g0[i]! + hg);
      if (Math.floor(lo) !== Math.floor(hi) || lo < -1 || hi > size) continue;
      const p = g0.slice();
      const m = g0.slice();
      p[i]! += hg;
      m[i]! -= hg;
      const fd = ((await evalAt(im0, p)) - (await evalAt(im0, m))) / (2 * hg);
      expect(Math.abs(fd - dGridV[i]!)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
  });

  it('trains through the grid with an optimizer', async () => {
    const image = tf.randomNormal([1, 4, 6, 1], 0, 1, 'float32', 6);
    const target = gridSample(image, tf.randomUniform([1, 2, 2, 2], -0.5, 0.5, 'float32', 7));
    const grid = tf.variable(tf.zeros([1, 2, 2, 2]));
    const opt = tf.train.adam(0.05);
    const loss = (): tf.Scalar => gridSample(image, grid).sub(target).square().mean();
    const first = (await loss().data())[0]!;
    for (let i = 0; i < 30; i++) opt.minimize(loss);
    expect((await loss().data())[0]!).toBeLessThan(first);
  });

  it('rejects bad shapes with errors that state the expected shape', () => {
    const image = tf.zeros([2, 3, 4, 1]);
    expect(() => gridSample(tf.zeros([3, 4, 1]), tf.zeros([2, 2, 2, 2]))).toThrow(/expected image of shape \[B, H, W, C\], got \[3, 4, 1\]/);
    expect(() => gridSample(image, tf.zeros([1, 2, 2, 2]))).toThrow(/expected grid of shape \[2, Ho, Wo, 2\].*got \[1, 2, 2, 2\]/);
    expect(() => gridSample(image, tf.zeros([2, 2, 2, 3]))).toThrow(InvalidArgumentError);
    expect(() => gridSample(image, tf.zeros([2, 2, 2, 2], 'int32'))).toThrow(/float32/);
    expect(() => gridSample(image, tf.zeros([2, 2, 2, 2]), { padding: 'reflection' as 'zeros' })).toThrow(/zeros, border/);
  });
});

/** The forward as first written (per-point tap arrays over sourceCoord): the fast loop must equal it bit for bit. */
function forwardByTaps(image: Float32Array, grid: Float32Array, d: Dims, attrs: GridSampleAttrs, out: Float32Array): void {
  const { B, H, W, C, Ho, Wo } = d;
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < Ho * Wo; p++) {
      const gi = (b * Ho * Wo + p) * 2;
      const [ix] = sourceCoord(grid[gi]!, W, attrs);
      const [iy] = sourceCoord(grid[gi + 1]!, H, attrs);
      const o = (b * Ho * Wo + p) * C;
      for (let c = 0; c < C; c++) out[o + c] = 0;
      if (Number.isNaN(ix) || Number.isNaN(iy)) continue;
      const [x0, y0] = [Math.floor(ix), Math.floor(iy)];
      const [fx, fy] = [ix - x0, iy - y0];
      const taps: [number, number, number][] = [[x0, y0, (1 - fy) * (1 - fx)], [x0 + 1, y0, (1 - fy) * fx], [x0, y0 + 1, fy * (1 - fx)], [x0 + 1, y0 + 1, fy * fx]];
      for (const [x, y, w] of taps) {
        if (x < 0 || x >= W || y < 0 || y >= H) continue;
        for (let c = 0; c < C; c++) out[o + c] = out[o + c]! + w * image[((b * H + y) * W + x) * C + c]!;
      }
    }
  }
}

describe('gridSampleForward', () => {
  it.each(MODES)('equals the per-tap definition bit for bit, grids past the edges and NaN included (%j)', (mode) => {
    const attrs: GridSampleAttrs = { alignCorners: mode.alignCorners ?? false, padding: mode.padding ?? 'zeros' };
    const d: Dims = { B: 2, H: 7, W: 11, C: 3, Ho: 5, Wo: 13 };
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const image = Float32Array.from({ length: d.B * d.H * d.W * d.C }, () => rand() * 2 - 1);
    const grid = Float32Array.from({ length: d.B * d.Ho * d.Wo * 2 }, (_, i) => (i % 37 === 5 ? NaN : i % 41 === 3 ? Infinity : (rand() * 2 - 1) * 1.4));
    const got = new Float32Array(d.B * d.Ho * d.Wo * d.C);
    const want = new Float32Array(got.length);
    gridSampleForward(image, grid, d, attrs, got);
    forwardByTaps(image, grid, d, attrs, want);
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
