import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { setSimdEnabled, simdFor } from '../simd/simd.ts';
import type { FusedActivation } from '../depthwise_act/depthwise_act.ts';
import { canFusePointwise, pointwiseConvAct, setPointwiseFusionEnabled } from './pointwise_act.ts';

const AFFINE = { scale6: Math.fround(0.9 / 6), shift: 0.25 };

/** The unfused path: tfjs's conv2d + bias, then the activation as tfjs ops, then the residual add. */
function viaOps(x: Tensor, f: Tensor, b: Tensor, act: FusedActivation, residual?: Tensor): Tensor {
  return tf.tidy(() => {
    let y: Tensor = tf.add(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'), b);
    const clip = (v: Tensor): Tensor => tf.clipByValue(tf.add(v, 3), 0, 6);
    if (act === 'relu') y = tf.relu(y);
    if (act === 'hardswish') y = tf.div(tf.mul(y, clip(y)), 6);
    if (act === 'hardswish-affine') y = tf.add(tf.mul(tf.mul(y, clip(y)), AFFINE.scale6), AFFINE.shift);
    return residual === undefined ? y : tf.add(y, residual);
  });
}

describe('pointwiseConvAct on wasm (SIMD)', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it.each([
    // rows: 4-row blocks and a remainder, tiles of 32 and a partial one; columns: 8-wide, 4-wide and single
    [[1, 4, 25, 48], 120, 'hardswish', false],
    [[2, 3, 11, 16], 24, 'linear', true],
    [[1, 2, 5, 7], 13, 'relu', false],
    [[1, 6, 40, 240], 240, 'hardswish-affine', false],
    [[3, 1, 9, 5], 29, 'hardswish-affine', true],
    [[1, 1, 1, 288], 72, 'relu', false],
  ] as const)('equals tfjs conv2d + the activation ops (+ residual): x %j, %i outputs, %s, residual %s', (shape, n, act, withResidual) => {
    const k = shape[3];
    const x = tf.randomNormal([...shape], 0, 2, 'float32', 1);
    const f = tf.randomNormal([1, 1, k, n], 0, 1 / Math.sqrt(k), 'float32', 2);
    const b = tf.randomNormal([n], 0, 0.5, 'float32', 3);
    const res = withResidual ? tf.randomNormal([shape[0], shape[1], shape[2], n], 0, 1, 'float32', 4) : undefined;
    const got = pointwiseConvAct(x, f, b, act, { affine: AFFINE, residual: res });
    const want = viaOps(x, f, b, act, res);
    expect(got.shape).toEqual(want.shape);
    const [a, w] = [got.dataSync(), want.dataSync()];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - w[i]!) / (1 + Math.abs(w[i]!)));
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([x, f, b, got, want, ...(res === undefined ? [] : [res])]);
  });

  it.each([
    [[1, 4, 25, 48], 120, 'hardswish', false],
    [[2, 3, 11, 16], 24, 'linear', true],
    [[1, 2, 5, 7], 13, 'relu', true],
    [[3, 1, 9, 5], 29, 'hardswish-affine', true],
    [[1, 1, 1, 8], 8, 'hardswish', false],
  ] as const)('gives the bits of a bias fill, the plain GEMM, then the activation and residual in float32: x %j, %i outputs, %s, residual %s', (shape, n, act, withResidual) => {
    const simd = simdFor(tf.backend(), 'wasm')!;
    expect(simd).not.toBeNull();
    const [m, k] = [shape[0] * shape[1] * shape[2], shape[3]];
    const x = tf.randomNormal([...shape], 0, 2, 'float32', 5);
    const f = tf.randomNormal([1, 1, k, n], 0, 1 / Math.sqrt(k), 'float32', 6);
    const b = tf.randomNormal([n], 0, 0.5, 'float32', 7);
    const res = withResidual ? tf.randomNormal([shape[0], shape[1], shape[2], n], 0, 1, 'float32', 8) : undefined;
    const out = pointwiseConvAct(x, f, b, act, { affine: AFFINE, residual: res });
    const got = out.dataSync();
    const bias = b.dataSync();
    const c = simd.malloc(m * n);
    let want: Float32Array;
    try {
      const heap = simd.f32();
      for (let r = 0; r < m; r++) heap.set(bias, (c >>> 2) + r * n);
      simd.nn(m, n, k, simd.offset(x), k, simd.offset(f), n, c, n);
      want = simd.f32().slice(c >>> 2, (c >>> 2) + m * n);
    } finally {
      simd.free(c);
    }
    const fr = Math.fround;
    const r = res?.dataSync();
    for (let i = 0; i < want.length; i++) {
      const v = want[i]!;
      const clip = Math.min(Math.max(fr(v + 3), 0), 6);
      let y = act === 'relu' ? Math.max(v, 0) : act === 'hardswish' ? fr(fr(v * clip) / 6) : act === 'hardswish-affine' ? fr(fr(fr(v * clip) * AFFINE.scale6) + AFFINE.shift) : v;
      if (r !== undefined) y = fr(y + r[i]!);
      want[i] = y;
    }
    let diff = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) diff++;
    expect(diff).toBe(0);
    tf.dispose([x, f, b, out, ...(res === undefined ? [] : [res])]);
  });

  it('is used only at inference with the SIMD module and its switch on; rejects bad arguments by name', () => {
    expect(canFusePointwise()).toBe(true);
    const seen: boolean[] = [];
    tf.grad((v: Tensor) => {
      seen.push(canFusePointwise());
      return tf.sum(v);
    })(tf.scalar(1));
    expect(seen).toEqual([false]);
    setPointwiseFusionEnabled(false);
    expect(canFusePointwise()).toBe(false);
    setPointwiseFusionEnabled(true);
    setSimdEnabled(false);
    expect(canFusePointwise()).toBe(false);
    setSimdEnabled(true);
    const x = tf.zeros([1, 2, 3, 4]);
    expect(() => pointwiseConvAct(x, tf.zeros([1, 1, 5, 8]), tf.zeros([8]), 'relu')).toThrow(InvalidArgumentError);
    expect(() => pointwiseConvAct(x, tf.zeros([3, 3, 4, 8]), tf.zeros([8]), 'relu')).toThrow(/filter/);
    expect(() => pointwiseConvAct(x, tf.zeros([1, 1, 4, 8]), tf.zeros([7]), 'relu')).toThrow(/bias/);
    expect(() => pointwiseConvAct(x, tf.zeros([1, 1, 4, 8]), tf.zeros([8]), 'relu', { residual: tf.zeros([1, 2, 3, 4]) })).toThrow(/residual/);
    expect(() => pointwiseConvAct(x, tf.zeros([1, 1, 4, 8]), tf.zeros([8]), 'hardswish-affine')).toThrow(/scale6/);
  });
});
