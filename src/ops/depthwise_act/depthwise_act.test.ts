import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { setSimdEnabled, simdFor } from '../simd/simd.ts';
import { setDepthwiseRowsEnabled, canFuseAffine, canFuseDepthwise, canTrainDepthwise, depthwiseConvAct, hardSwishAffine, setAffineFusionEnabled, type FusedActivation } from './depthwise_act.ts';

/** PPLCNetV3's affine after hard-swish in the tests (scale/6 as float32, as the backbone reads it). */
const AFFINE = { scale6: Math.fround(1.7 / 6), shift: -0.35 };

/** The unfused path of 'hardswish-affine': the tfjs ops PPLCNetV3 runs elsewhere, in the same order. */
function affineOps(y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.mul(y, tf.clipByValue(tf.add(y, 3), 0, 6)), tf.scalar(AFFINE.scale6)), tf.scalar(AFFINE.shift)));
}

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
          if (act === 'hardswish-affine') s = s * Math.min(Math.max(s + 3, 0), 6) * AFFINE.scale6 + AFFINE.shift;
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
    // 37 channels: two blocks of 16, one of 4 and one single channel
    [[1, 6, 10, 37], 5, [1, 1], [2, 2, 2, 2], 'relu'],
    [[2, 4, 9, 37], 3, [2, 1], [1, 1, 1, 1], 'hardswish-affine'],
    [[1, 3, 7, 20], 5, [1, 2], [2, 2, 2, 2], 'hardswish-affine'],
  ] as const)('equals the definition: x %j, k %i, strides %j, pad %j, %s', (shape, k, strides, pad, act) => {
    const x = tf.randomNormal([...shape], 0, 2, 'float32', 3);
    const c = shape[3];
    const f = tf.randomNormal([k, k, c, 1], 0, 0.5, 'float32', 4);
    const b = tf.randomNormal([c], 0, 1, 'float32', 5);
    const y = depthwiseConvAct(x, f, b, [...strides], [...pad], act, AFFINE);
    const want = naive(x.dataSync() as Float32Array, [...shape], f.dataSync() as Float32Array, k, k, b.dataSync() as Float32Array, [...strides], [...pad], act);
    expect(y.shape).toEqual(want.shape);
    const got = y.dataSync();
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want.data[i]!)).toBeLessThan(1e-4);
    tf.dispose([x, f, b, y]);
  });

  it.each([
    [[1, 4, 50, 48], 5, [2, 1], [2, 2, 2, 2], 'hardswish'],
    [[2, 3, 37, 37], 5, [1, 1], [2, 2, 2, 2], 'relu'],
    [[1, 5, 29, 6], 3, [1, 1], [1, 1, 1, 1], 'hardswish-affine'],
    [[2, 6, 23, 12], 3, [2, 1], [0, 2, 1, 0], 'linear'],
    [[1, 4, 31, 8], 7, [1, 1], [3, 3, 3, 3], 'relu'],
    [[1, 4, 41, 20], 5, [1, 2], [2, 2, 2, 2], 'hardswish'],
    [[1, 5, 9, 4], 5, [1, 1], [0, 0, 0, 0], 'linear'],
    [[1, 2, 3, 4], 5, [1, 1], [2, 2, 2, 2], 'relu'],
  ] as const)('its 8- and 4-output row paths give the one-output path\'s bits: x %j, k %i, strides %j, pad %j, %s', (shape, k, strides, pad, act) => {
    expect(simdFor(tf.backend(), 'wasm')).not.toBeNull();
    const x = tf.randomNormal([...shape], 0, 2, 'float32', 21);
    const f = tf.randomNormal([k, k, shape[3], 1], 0, 0.5, 'float32', 22);
    const b = tf.randomNormal([shape[3]], 0, 1, 'float32', 23);
    const run = (on: boolean): Float32Array => {
      setDepthwiseRowsEnabled(on);
      try {
        const y = depthwiseConvAct(x, f, b, [...strides], [...pad], act, AFFINE);
        const d = y.dataSync() as Float32Array;
        y.dispose();
        return d;
      } finally {
        setDepthwiseRowsEnabled(true);
      }
    };
    const [fast, slow] = [run(true), run(false)];
    expect(fast.length).toBe(slow.length);
    let diff = 0;
    for (let i = 0; i < fast.length; i++) if (!Object.is(fast[i], slow[i])) diff++;
    expect(diff).toBe(0);
    tf.dispose([x, f, b]);
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

  it("'hardswish-affine' gives exactly the unfused path's numbers (linear kernel, then the tfjs ops)", () => {
    const x = tf.randomNormal([1, 6, 11, 53], 0, 3, 'float32', 11);
    const f = tf.randomNormal([5, 5, 53, 1], 0, 0.5, 'float32', 12);
    const b = tf.randomNormal([53], 0, 1, 'float32', 13);
    const fused = depthwiseConvAct(x, f, b, [2, 1], [2, 2, 2, 2], 'hardswish-affine', AFFINE);
    const lin = depthwiseConvAct(x, f, b, [2, 1], [2, 2, 2, 2], 'linear');
    const ops = affineOps(lin);
    expect(Array.from(fused.dataSync())).toEqual(Array.from(ops.dataSync()));
    tf.dispose([x, f, b, fused, lin, ops]);
  });

  it('hardSwishAffine gives exactly the tfjs ops it replaces (every length class of the SIMD loop)', () => {
    for (const n of [1, 3, 4, 16, 55, 1000]) {
      const x = tf.randomNormal([n], 0, 4, 'float32', n);
      const y = hardSwishAffine(x, AFFINE);
      const ops = affineOps(x);
      expect(y.shape).toEqual([n]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(ops.dataSync()));
      tf.dispose([x, y, ops]);
    }
    const x = tf.zeros([2, 3]);
    expect(() => hardSwishAffine(x, { scale6: NaN, shift: 0 })).toThrow(InvalidArgumentError);
    expect(() => depthwiseConvAct(tf.zeros([1, 4, 4, 4]), tf.zeros([3, 3, 4, 1]), tf.zeros([4]), [1, 1], [1, 1, 1, 1], 'hardswish-affine')).toThrow(/scale6/);
    expect(canFuseAffine()).toBe(true);
    setAffineFusionEnabled(false);
    expect(canFuseAffine()).toBe(false);
    setAffineFusionEnabled(true);
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
