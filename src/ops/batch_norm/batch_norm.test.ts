import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { hardSwish } from '../hard_swish/hard_swish.ts';
import { batchNormAct, canFuseBn, setBnFusionEnabled, type BnActivation } from './batch_norm.ts';

/** The tfjs op chain it replaces (nn.ts batchNormTrain + the activation). */
function viaOps(y: Tensor, gamma: Tensor, beta: Tensor, eps: number, act: BnActivation): { y: Tensor; mean: Tensor; variance: Tensor } {
  const axes = y.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(y, axes);
  const k = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
  const z = tf.add(tf.mul(y, k), tf.sub(beta, tf.mul(mean, k)));
  return { y: act === 'relu' ? tf.relu(z) : act === 'hardswish' ? hardSwish(z) : z, mean, variance };
}

function maxRel(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

describe('batchNormAct on wasm (SIMD)', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it.each([
    [[4, 6, 10, 8], 'linear'],
    [[3, 5, 7, 13], 'relu'],
    [[2, 16, 50, 24], 'hardswish'],
    [[6, 37], 'relu'],
  ] as const)('output, statistics and gradients equal the op chain: y %j, %s', (shape, act) => {
    const c = shape[shape.length - 1]!;
    const y = tf.add(tf.mul(tf.randomNormal([...shape], 0, 2, 'float32', 1), 1.5), 0.7);
    const gamma = tf.randomNormal([c], 1, 0.3, 'float32', 2);
    const beta = tf.randomNormal([c], 0, 0.5, 'float32', 3);
    const r = tf.randomNormal([...shape], 0, 1, 'float32', 4);
    const got = batchNormAct(y, gamma, beta, 1e-5, act);
    const want = viaOps(y, gamma, beta, 1e-5, act);
    expect(maxRel(got.y.dataSync(), want.y.dataSync())).toBeLessThan(1e-5);
    expect(maxRel(got.mean.dataSync(), want.mean.dataSync())).toBeLessThan(1e-5);
    expect(maxRel(got.variance.dataSync(), want.variance.dataSync())).toBeLessThan(1e-5);
    const loss = (f: typeof viaOps) => (a: Tensor, g: Tensor, b: Tensor): tf.Scalar => tf.sum(tf.mul(f(a, g, b, 1e-5, act).y, r));
    const gGot = tf.grads(loss(batchNormAct))([y, gamma, beta]);
    const gWant = tf.grads(loss(viaOps))([y, gamma, beta]);
    gGot.forEach((g, i) => expect(maxRel(g.dataSync(), gWant[i]!.dataSync()), `gradient ${i}`).toBeLessThan(1e-4));
    tf.dispose([y, gamma, beta, r, got.y, got.mean, got.variance, want.y, want.mean, want.variance, ...gGot, ...gWant]);
  });

  it('says when it runs; rejects bad arguments by name', () => {
    expect(canFuseBn()).toBe(true);
    setBnFusionEnabled(false);
    expect(canFuseBn()).toBe(false);
    setBnFusionEnabled(true);
    const y = tf.zeros([2, 3, 4]);
    expect(() => batchNormAct(y, tf.ones([3]), tf.zeros([4]), 1e-5, 'linear')).toThrow(InvalidArgumentError);
    expect(() => batchNormAct(y, tf.ones([4]), tf.zeros([4]), 0, 'linear')).toThrow(/eps/);
  });
});
