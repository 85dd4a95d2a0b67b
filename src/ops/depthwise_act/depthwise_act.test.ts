import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { setSimdEnabled } from '../simd/simd.ts';
import { canFuseDepthwise, canTrainDepthwise, depthwiseConvAct, type FusedActivation } from './depthwise_act.ts';

/** The definition: zero padding, y[oy, ox, c] = act(b[c] + Σ x[oy·sh − pt + ky, ox·sw − pl + kx, c]·w[ky, kx, c]). */
function naive(
  x: Float32Array, [bn, h, w, c]: number[], f: Float32Array, kh: number, kw: number, bias: Float32Array,
  [sh, sw]: [number, number], [pt, pb, pl, pr]: [number, number, number, number], act: FusedActivation,
): { data: Float32Array; shape: number[] } {
  const oh = Math.floor((h! + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((w! + pl + pr - kw) / sw) + 1;
  const out = new Float32Array(bn! * oh * ow * c!);
  for (let b = 0; b < bn!; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c!; ch++) {
          let s = bias[ch]!;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const [iy, ix] = [oy * sh - pt + ky, ox * sw - pl + kx];
              if (iy >= 0 && iy < h! && ix >= 0 && ix < w!) s += x[((b * h! + iy) * w! + ix) * c! + ch]! * f[(ky * kw + kx) * c! + ch]!;
            }
          if (act === 'relu') s = Math.max(s, 0);
          if (act === 'hardswish') s = (s * Math.min(Math.max(s + 3, 0), 6)) / 6;
          out[((b * oh + oy) * ow + ox) * c! + ch] = s;
        }
  return { data: out, shape: [bn!, oh, ow, c!] };
}

/** Gradients by the definition: g = dy (masked by y > 0 for ReLU); dx, dW, db are the forward's sums with g. */
function naiveGrad(
  x: Float32Array, [bn, h, w, c]: number[], f: Float32Array, kh: number, kw: number, dy: Float32Array, y: Float32Array, oh: number, ow: number,
  [sh, sw]: [number, number], [pt, pl]: [number, number], act: FusedActivation,
): [Float32Array, Float32Array, Float32Array] {
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(f.length);
  const db = new Float32Array(c!);
  for (let b = 0; b < bn!; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c!; ch++) {
          const o = ((b * oh + oy) * ow + ox) * c! + ch;
          const g = act === 'relu' && !(y[o]! > 0) ? 0 : dy[o]!;
          db[ch]! += g;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const [iy, ix] = [oy * sh - pt + ky, ox * sw - pl + kx];
              if (iy < 0 || iy >= h! || ix < 0 || ix >= w!) continue;
              const xi = ((b * h! + iy) * w! + ix) * c! + ch;
              const wi = (ky * kw + kx) * c! + ch;
              dx[xi]! += g * f[wi]!;
              dw[wi]! += g * x[xi]!;
            }
        }
  return [dx, dw, db];
}

describe('depthwiseConvAct on wasm (SIMD)', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it.each([
    [[1, 8, 12, 8], 3, [1, 1], [1, 1, 1, 1], 'relu'],
    [[2, 8, 13, 6], 5, [2, 1], [2, 2, 2, 2], 'hardswish'],
    [[1, 7, 9, 12], 3, [2, 2], [1, 1, 1, 1], 'linear'],
    [[2, 5, 11, 4], 5, [2, 1], [0, 2, 1, 3], 'hardswish'],
  ] as const)('equals the definition: x %j, k %i, strides %j, pad %j, %s', (shape, k, strides, pad, act) => {
    const x = tf.randomNormal([...shape], 0, 2, 'float32', 3);
    const c = shape[3];
    const f = tf.randomNormal([k, k, c, 1], 0, 0.5, 'float32', 4);
    const b = tf.randomNormal([c], 0, 1, 'float32', 5);
    const y = depthwiseConvAct(x, f, b, [...strides], [...pad], act);
    const want = naive(x.dataSync() as Float32Array, [...shape], f.dataSync() as Float32Array, k, k, b.dataSync() as Float32Array, [...strides], [...pad], act);
    expect(y.shape).toEqual(want.shape);
    const got = y.dataSync();
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want.data[i]!)).toBeLessThan(1e-4);
    tf.dispose([x, f, b, y]);
  });

  it.each([
    [[2, 8, 13, 6], 5, [2, 1], [2, 2, 2, 2], 'linear'],
    [[3, 6, 9, 12], 3, [1, 1], [1, 1, 1, 1], 'relu'],
    [[2, 5, 11, 5], 3, [2, 2], [0, 2, 1, 3], 'relu'],
    [[1, 4, 7, 8], 5, [2, 1], [2, 2, 2, 2], 'linear'],
  ] as const)('its gradients equal the definition: x %j, k %i, strides %j, pad %j, %s', (shape, k, strides, pad, act) => {
    expect(canTrainDepthwise()).toBe(true);
    const x = tf.randomNormal([...shape], 0, 2, 'float32', 6);
    const c = shape[3];
    const f = tf.randomNormal([k, k, c, 1], 0, 0.5, 'float32', 7);
    const b = tf.randomNormal([c], 0, 1, 'float32', 8);
    const y = depthwiseConvAct(x, f, b, [...strides], [...pad], act);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 9);
    const got = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(depthwiseConvAct(p, q, r, [...strides], [...pad], act), dy)))([x, f, b]);
    const want = naiveGrad(x.dataSync() as Float32Array, [...shape], f.dataSync() as Float32Array, k, k, dy.dataSync() as Float32Array, y.dataSync() as Float32Array, y.shape[1]!, y.shape[2]!, [...strides], [pad[0], pad[2]], act);
    got.forEach((g, i) => {
      const a = g.dataSync();
      expect(a.length).toBe(want[i]!.length);
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - want[i]![j]!)).toBeLessThan(1e-3);
    });
    tf.dispose([x, f, b, y, dy, ...got]);
  });

  it('is used only without a gradient tape and with the SIMD module; rejects bad arguments by name', () => {
    expect(canFuseDepthwise()).toBe(true);
    const seen: boolean[] = [];
    tf.grad((x: tf.Tensor) => {
      seen.push(canFuseDepthwise());
      return tf.sum(x);
    })(tf.scalar(1));
    expect(seen).toEqual([false]);
    setSimdEnabled(false);
    expect(canFuseDepthwise()).toBe(false);
    setSimdEnabled(true);
    const x = tf.zeros([1, 4, 4, 4]);
    expect(() => depthwiseConvAct(x, tf.zeros([3, 3, 5, 1]), tf.zeros([4]), [1, 1], [1, 1, 1, 1], 'relu')).toThrow(InvalidArgumentError);
    expect(() => depthwiseConvAct(x, tf.zeros([3, 3, 4, 1]), tf.zeros([4]), [0, 1], [1, 1, 1, 1], 'relu')).toThrow(/strides/);
    expect(() => depthwiseConvAct(x, tf.zeros([7, 7, 4, 1]), tf.zeros([4]), [1, 1], [0, 0, 0, 0], 'relu')).toThrow(/does not fit/);
  });
});
