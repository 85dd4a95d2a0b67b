import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { registerAllKernels } from '../registry.ts';
import { setIm2colChunkFloats } from './kernels.ts';

/** Gradients of conv2d / depthwiseConv2d w.r.t. input and filter on the active backend, for a given dy. */
function grads(kind: 'conv' | 'depthwise', x: Tensor, w: Tensor, strides: [number, number], pad: 'same' | 'valid' | number, dilations: [number, number], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const f = (a: Tensor, b: Tensor): Tensor =>
      kind === 'conv'
        ? tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilations)
        : tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilations);
    const y = f(x, w);
    const dy = tf.randomUniform(y.shape, -1, 1, 'float32', seed);
    const g = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(f(a, b), dy)));
    return [...g([x, w]).map((t) => t.dataSync() as Float32Array), dy.dataSync() as Float32Array, new Float32Array(y.shape)];
  });
}

/**
 * The definition, independent of any backend: y[b,oy,ox,o] = Σ x[b, oy·s − pt + i, ox·s − pl + j, c] ·
 * w[i,j,c,·], so dx and dW are the same sums with dy. Padding from tfjs's own Conv2DInfo.
 */
function naive(kind: 'conv' | 'depthwise', xs: number[], x: Float32Array, ws: number[], w: Float32Array, dy: Float32Array, strides: [number, number], pad: 'same' | 'valid' | number): [Float32Array, Float32Array] {
  const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], ws as [number, number, number, number], strides, 1, pad, undefined, kind === 'depthwise');
  const [B, H, W, C] = xs as [number, number, number, number];
  const [kh, kw, , M] = ws as [number, number, number, number];
  const Co = info.outChannels;
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < info.outHeight; oy++)
      for (let ox = 0; ox < info.outWidth; ox++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const iy = oy * strides[0] - info.padInfo.top + i;
            const ix = ox * strides[1] - info.padInfo.left + j;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) {
              const xi = ((b * H + iy) * W + ix) * C + c;
              const outs = kind === 'conv' ? Array.from({ length: Co }, (_, o) => [o, ((i * kw + j) * C + c) * Co + o]) : Array.from({ length: M }, (_, m) => [c * M + m, ((i * kw + j) * C + c) * M + m]);
              for (const [o, wi] of outs as [number, number][]) {
                const g = dy[((b * info.outHeight + oy) * info.outWidth + ox) * Co + o]!;
                dx[xi]! += g * w[wi]!;
                dw[wi]! += g * x[xi]!;
              }
            }
          }
  return [dx, dw];
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-12);
}

interface Case {
  kind: 'conv' | 'depthwise';
  x: [number, number, number, number];
  k: [number, number];
  out: number;
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  dilations?: [number, number];
}

const CASES: Case[] = [
  { kind: 'conv', x: [2, 8, 10, 3], k: [3, 3], out: 5, strides: [1, 1], pad: 1 },
  { kind: 'conv', x: [2, 9, 11, 4], k: [3, 3], out: 6, strides: [2, 2], pad: 'same' },
  { kind: 'conv', x: [1, 7, 12, 8], k: [1, 1], out: 16, strides: [1, 1], pad: 'valid' },
  { kind: 'conv', x: [3, 6, 9, 2], k: [2, 2], out: 3, strides: [1, 1], pad: 'valid' },
  { kind: 'depthwise', x: [2, 8, 10, 6], k: [3, 3], out: 1, strides: [1, 1], pad: 1 },
  { kind: 'depthwise', x: [2, 9, 12, 5], k: [5, 5], out: 1, strides: [2, 2], pad: 2 },
  { kind: 'depthwise', x: [1, 7, 7, 3], k: [3, 3], out: 2, strides: [1, 1], pad: 'same' },
];

describe('convolution gradients on cpu and wasm equal the definition', () => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.kind} x[${c.x.join(',')}] k${c.k.join('x')} ×${c.out} s${c.strides.join(',')} pad ${String(c.pad)} d${(c.dilations ?? [1, 1]).join(',')}`, async () => {
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        const x = tf.randomUniform(c.x, -1, 1, 'float32', 1);
        const wShape = [c.k[0], c.k[1], c.x[3], c.out];
        const w = tf.randomUniform(wShape, -1, 1, 'float32', 2);
        const [gx, gw, dy] = grads(c.kind, x, w, c.strides, c.pad, c.dilations ?? [1, 1], 3);
        const [ex, ew] = naive(c.kind, c.x, x.dataSync() as Float32Array, wShape, w.dataSync() as Float32Array, dy!, c.strides, c.pad);
        expect(relErr(gx!, ex), `${backend} dx`).toBeLessThan(1e-5);
        expect(relErr(gw!, ew), `${backend} dW`).toBeLessThan(1e-5);
        tf.dispose([x, w]);
      }
    });
  }

  for (const [shape, k, st, pad] of [
    [[2, 4, 16, 8], 2, 2, 'valid'],
    [[1, 5, 7, 3], 3, 2, 'same'],
    [[2, 4, 6, 4], [2, 1], [2, 1], 'valid'],
  ] as [[number, number, number, number], number | [number, number], number | [number, number], 'same' | 'valid'][]) {
    it(`maxPool gradient x[${shape.join(',')}] k${String(k)} s${String(st)} ${pad}, negative windows included (tfjs-wasm's own drops them)`, async () => {
      const run = async (backend: string): Promise<Float32Array> => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const x = tf.randomUniform(shape, -3, 1, 'float32', 7);
          const f = (a: Tensor): Tensor => tf.maxPool(a as tf.Tensor4D, k, st, pad);
          const dy = tf.randomUniform(f(x).shape, -1, 1, 'float32', 8);
          return tf.grad((a: Tensor) => tf.sum(tf.mul(f(a), dy)))(x).dataSync() as Float32Array;
        });
      };
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      expect(relErr(wasm, cpu)).toBeLessThan(1e-6); // overlapping windows sum in another order
    });
  }

  it('chunks the im2col / col2im of large convolution gradients and keeps the tensor count', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      setIm2colChunkFloats(10_000); // K = 144 → 69 rows per chunk, N = 512 → 8 chunks
      const x = tf.randomUniform([2, 8, 32, 16], -1, 1, 'float32', 4);
      const w = tf.randomUniform([3, 3, 16, 8], -1, 1, 'float32', 5);
      const before = tf.memory().numTensors;
      const [gx, gw, dy] = grads('conv', x, w, [1, 1], 1, [1, 1], 6);
      expect(tf.memory().numTensors).toBe(before);
      const [ex, ew] = naive('conv', x.shape, x.dataSync() as Float32Array, w.shape, w.dataSync() as Float32Array, dy!, [1, 1], 1);
      expect(relErr(gx!, ex)).toBeLessThan(1e-5);
      expect(relErr(gw!, ew)).toBeLessThan(1e-5);
      tf.dispose([x, w]);
      setIm2colChunkFloats();
    }
  });
});
