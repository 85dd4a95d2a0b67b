import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../../runtime/tf.ts';
import { registerAllKernels } from '../../registry.ts';
import { setIm2colChunkFloats, setIm2colTransposed, setWasmDepthwiseGradFastPath, setWasmMaxPoolGradSimd } from './kernels.ts';
import { setDepthwiseBlockChannels } from './depthwise_wasm.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

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
function naive(kind: 'conv' | 'depthwise', xs: number[], x: Float32Array, ws: number[], w: Float32Array, dy: Float32Array, strides: [number, number], pad: Pad, dilations: [number, number] = [1, 1]): [Float32Array, Float32Array] {
  const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], ws as [number, number, number, number], strides, dilations, pad, undefined, kind === 'depthwise');
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
            const iy = oy * strides[0] - info.padInfo.top + i * dilations[0];
            const ix = ox * strides[1] - info.padInfo.left + j * dilations[1];
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

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

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
  { kind: 'depthwise', x: [2, 9, 13, 20], k: [5, 5], out: 1, strides: [2, 2], pad: 'same' },
  { kind: 'depthwise', x: [1, 10, 7, 17], k: [3, 3], out: 1, strides: [2, 2], pad: 'valid' },
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
        const [ex, ew] = naive(c.kind, c.x, x.dataSync() as Float32Array, wShape, w.dataSync() as Float32Array, dy!, c.strides, c.pad, c.dilations);
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
    [[2, 6, 9, 7], 3, 1, 'same'],
  ] as [[number, number, number, number], number | [number, number], number | [number, number], 'same' | 'valid'][]) {
    it(`maxPool gradient x[${shape.join(',')}] k${String(k)} s${String(st)} ${pad}, negative windows and ties included (tfjs-wasm's own drops negative ones), SIMD and loop`, async () => {
      const run = async (backend: string, ties: boolean): Promise<Float32Array> => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const u = tf.randomUniform(shape, -3, 1, 'float32', 7);
          // Ties: values on a grid of 0.5, so windows hold equal maxima (the first one in row-major order wins).
          const x = ties ? tf.div(tf.round(tf.mul(u, 2)), 2) : u;
          const f = (a: Tensor): Tensor => tf.maxPool(a as tf.Tensor4D, k, st, pad);
          const dy = tf.randomUniform(f(x).shape, -1, 1, 'float32', 8);
          return tf.grad((a: Tensor) => tf.sum(tf.mul(f(a), dy)))(x).dataSync() as Float32Array;
        });
      };
      for (const ties of [false, true]) {
        const cpu = await run('cpu', ties);
        for (const simd of [true, false]) {
          setWasmMaxPoolGradSimd(simd);
          const wasm = await run('wasm', ties);
          setWasmMaxPoolGradSimd(true);
          expect(relErr(wasm, cpu), `ties ${ties}, SIMD ${simd}`).toBeLessThan(1e-6); // overlapping windows sum in another order
        }
      }
    });
  }

  it('chunks the im2col / col2im of large convolution gradients and keeps the tensor count (wasm: transposed im2col and row-major)', async () => {
    for (const [backend, transposed] of [['cpu', false], ['wasm', true], ['wasm', false]] as const) {
      await tf.setBackend(backend);
      setIm2colTransposed(transposed);
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
      setIm2colTransposed(true);
    }
  });

  /**
   * The wasm depthwise gradients run as XNNPACK forward convs (depthwise_wasm.ts), with the JS loops as
   * fallback. Called as kernels (the wasm forward crashes on unequal strides, which the models emulate),
   * both forms against the definition: the crnn-mv3-en shapes, strides [2,1]/[1,2]/2, kernel 5, odd
   * sizes, explicit asymmetric padding, dilation, partial 25/9/4-tap column blocks, C < 16 (element
   * copies) and ≥ 16 (copyWithin), multiplier 2 (loop only), and blocks split over several calls.
   */
  const DW: { x: [number, number, number, number]; k: number; strides: [number, number]; pad: Pad; dilations?: [number, number]; mult?: number; blockChannels?: number }[] = [
    { x: [2, 16, 50, 8], k: 3, strides: [1, 1], pad: 1 },
    { x: [2, 8, 50, 40], k: 3, strides: [1, 1], pad: 1 },
    { x: [2, 4, 50, 120], k: 5, strides: [1, 1], pad: 2 },
    { x: [1, 2, 50, 288], k: 5, strides: [1, 1], pad: 2 },
    { x: [3, 7, 13, 5], k: 5, strides: [2, 1], pad: 2 },
    { x: [2, 9, 61, 17], k: 3, strides: [2, 1], pad: 1 },
    { x: [2, 9, 11, 6], k: 3, strides: [1, 2], pad: 1 },
    { x: [2, 9, 12, 20], k: 5, strides: [2, 2], pad: 'same' },
    { x: [1, 10, 7, 17], k: 3, strides: [2, 2], pad: 'valid' },
    { x: [2, 6, 30, 16], k: 3, strides: [1, 1], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
    { x: [1, 9, 9, 4], k: 3, strides: [1, 1], pad: 'same', dilations: [2, 2] },
    { x: [2, 11, 30, 18], k: 3, strides: [1, 1], pad: 'same', dilations: [2, 1] },
    { x: [2, 3, 4, 24], k: 3, strides: [1, 1], pad: 1 },
    { x: [2, 3, 8, 3], k: 3, strides: [1, 1], pad: 1 },
    { x: [2, 5, 7, 3], k: 3, strides: [1, 1], pad: 1, mult: 2 },
    { x: [3, 5, 40, 24], k: 5, strides: [2, 1], pad: 2, blockChannels: 50 },
  ];
  for (const c of DW) {
    it(`wasm depthwise kernels x[${c.x.join(',')}] k${c.k} ×${c.mult ?? 1} s${c.strides.join(',')} pad ${JSON.stringify(c.pad)} d${(c.dilations ?? [1, 1]).join(',')}${c.blockChannels !== undefined ? ` ≤${c.blockChannels} channels a call` : ''}`, async () => {
      await tf.setBackend('wasm');
      const dil = c.dilations ?? [1, 1];
      const wShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.mult ?? 1];
      const info = tf.backend_util.computeConv2DInfo(c.x, wShape, c.strides, dil, c.pad, undefined, true);
      const x = tf.randomUniform(c.x, -1, 1, 'float32', 11);
      const w = tf.randomUniform(wShape, -1, 1, 'float32', 12);
      const dy = tf.randomUniform(info.outShape, -1, 1, 'float32', 13);
      const [ex, ew] = naive('depthwise', c.x, x.dataSync() as Float32Array, wShape, w.dataSync() as Float32Array, dy.dataSync() as Float32Array, c.strides, c.pad, dil);
      const attrs = { strides: c.strides, pad: c.pad, dilations: dil };
      if (c.blockChannels !== undefined) setDepthwiseBlockChannels(c.blockChannels);
      for (const fast of [true, false]) {
        setWasmDepthwiseGradFastPath(fast);
        const before = tf.memory().numTensors;
        const ids = (tf.backend() as BackendWasm).numDataIds();
        const gx = tf.engine().runKernel<Tensor>('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x });
        const gw = tf.engine().runKernel<Tensor>('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: wShape });
        expect(gx.shape).toEqual(c.x);
        expect(gw.shape).toEqual(wShape);
        expect(relErr(gx.dataSync() as Float32Array, ex), `${fast ? 'fast' : 'loop'} dx`).toBeLessThan(1e-5);
        expect(relErr(gw.dataSync() as Float32Array, ew), `${fast ? 'fast' : 'loop'} dW`).toBeLessThan(1e-5);
        tf.dispose([gx, gw]);
        expect(tf.memory().numTensors).toBe(before);
        expect((tf.backend() as BackendWasm).numDataIds()).toBe(ids);
      }
      setWasmDepthwiseGradFastPath(true);
      setDepthwiseBlockChannels();
      tf.dispose([x, w, dy]);
    });
  }

  it('wasm depthwise gradients stay right when their allocations grow the wasm heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const heapBytes = (): number => (backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    // Stride 2: dx zero-inserts dy into an input-sized buffer (96 MiB here), larger than the heap so far.
    const xShape: [number, number, number, number] = [1, 512, 768, 64];
    const wShape: [number, number, number, number] = [3, 3, 64, 1];
    const info = tf.backend_util.computeConv2DInfo(xShape, wShape, [2, 2], 1, 1, undefined, true);
    const w = tf.randomUniform(wShape, -1, 1, 'float32', 21);
    const dy = tf.randomUniform(info.outShape, -1, 1, 'float32', 22);
    const attrs = { strides: [2, 2], pad: 1, dilations: [1, 1], inputShape: xShape };
    const start = heapBytes();
    const fast = tf.engine().runKernel<Tensor>('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, attrs);
    expect(heapBytes()).toBeGreaterThan(start);
    const fx = fast.dataSync() as Float32Array;
    fast.dispose();
    setWasmDepthwiseGradFastPath(false);
    const loop = tf.engine().runKernel<Tensor>('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, attrs);
    setWasmDepthwiseGradFastPath(true);
    expect(relErr(fx, loop.dataSync() as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([loop, w, dy]);
  });
});
