import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { registerAllKernels } from '../registry.ts';
import { setIm2colChunkFloats } from './kernels.ts';

/** Gradients of conv2d / depthwiseConv2d w.r.t. input and filter on the active backend. */
function grads(kind: 'conv' | 'depthwise', x: Tensor, w: Tensor, strides: [number, number], pad: 'same' | 'valid' | number, dilations: [number, number], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const f = (a: Tensor, b: Tensor): Tensor =>
      kind === 'conv'
        ? tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilations)
        : tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilations);
    const y = f(x, w);
    const dy = tf.randomUniform(y.shape, -1, 1, 'float32', seed);
    const g = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(f(a, b), dy)));
    return g([x, w]).map((t) => t.dataSync() as Float32Array);
  });
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

describe('wasm convolution gradients equal the cpu backend', () => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.kind} x[${c.x.join(',')}] k${c.k.join('x')} ×${c.out} s${c.strides.join(',')} pad ${String(c.pad)} d${(c.dilations ?? [1, 1]).join(',')}`, async () => {
      const run = async (backend: string): Promise<Float32Array[]> => {
        await tf.setBackend(backend);
        const x = tf.randomUniform(c.x, -1, 1, 'float32', 1);
        const wShape = [c.k[0], c.k[1], c.x[3], c.out];
        const w = tf.randomUniform(wShape, -1, 1, 'float32', 2);
        try {
          return grads(c.kind, x, w, c.strides, c.pad, c.dilations ?? [1, 1], 3);
        } finally {
          tf.dispose([x, w]);
        }
      };
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      expect(relErr(wasm[0]!, cpu[0]!)).toBeLessThan(1e-5); // dx
      expect(relErr(wasm[1]!, cpu[1]!)).toBeLessThan(1e-5); // dW
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

  it('chunks the im2col of a large Conv2DBackpropFilter and keeps the tensor count', async () => {
    await tf.setBackend('wasm');
    setIm2colChunkFloats(10_000); // K = 144 → 69 rows per chunk, N = 512 → 8 chunks
    const x = tf.randomUniform([2, 8, 32, 16], -1, 1, 'float32', 4);
    const w = tf.randomUniform([3, 3, 16, 8], -1, 1, 'float32', 5);
    const before = tf.memory().numTensors;
    const [gx, gw] = grads('conv', x, w, [1, 1], 1, [1, 1], 6);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const xc = tf.tensor(await x.data(), x.shape);
    const wc = tf.tensor(await w.data(), w.shape);
    const [cx, cw] = grads('conv', xc, wc, [1, 1], 1, [1, 1], 6);
    expect(relErr(gx!, cx!)).toBeLessThan(1e-5);
    expect(relErr(gw!, cw!)).toBeLessThan(1e-5);
    tf.dispose([xc, wc]);
    setIm2colChunkFloats();
    await tf.setBackend('wasm');
  });
});
