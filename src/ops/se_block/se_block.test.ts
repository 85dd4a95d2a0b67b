import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { canFuseSe, setSeTrainEnabled, squeezeExcite } from './se_block.ts';

/** The op chain it replaces (mobilenetv3.ts without the fusion; pplcnetv3.ts with slope 1/6). */
function viaOps(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, slope = 0.2): Tensor {
  return tf.tidy(() => {
    const s = tf.mean(x, [1, 2], true);
    const m = tf.relu(tf.add(tf.conv2d(s as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'valid'), b1));
    const g = tf.clipByValue(tf.add(tf.mul(tf.add(tf.conv2d(m as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid'), b2), slope), 0.5), 0, 1);
    return tf.mul(x, g);
  });
}

const SLOPE6 = Math.fround(1 / 6);

describe('squeezeExcite on wasm (SIMD)', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it.each([
    [[1, 4, 25, 120], 30, 0.2],
    [[3, 2, 7, 10], 2, 0.2],
    [[2, 1, 1, 8], 3, 0.2],
    [[1, 6, 40, 480], 120, SLOPE6], // PPLCNetV3's SE (x/6 + 1/2) at its size for a 48×160 input
    [[2, 3, 5, 12], 3, SLOPE6],
  ])('equals the op chain: x %j, %i mid channels, slope %f', (shape, mid, slope) => {
    const c = shape[3]!;
    const x = tf.randomNormal(shape, 0, 2, 'float32', 1);
    const w1 = tf.randomNormal([1, 1, c, mid], 0, 0.3, 'float32', 2);
    const b1 = tf.randomNormal([mid], 0, 0.3, 'float32', 3);
    const w2 = tf.randomNormal([1, 1, mid, c], 0, 0.3, 'float32', 4);
    const b2 = tf.randomNormal([c], 0, 0.5, 'float32', 5);
    const got = squeezeExcite(x, w1, b1, w2, b2, slope);
    const want = viaOps(x, w1, b1, w2, b2, slope);
    expect(got.shape).toEqual(want.shape);
    const [a, b] = [got.dataSync(), want.dataSync()];
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    tf.dispose([x, w1, b1, w2, b2, got, want]);
  });

  it.each([
    [[2, 4, 25, 120], 30, 0.3],
    [[3, 2, 7, 10], 2, 0.3],
    [[2, 4, 80, 12], 3, 0.3], // HW = 320: the per-channel sums run in blocks of 256
    [[2, 3, 5, 8], 4, 3], // large weights: most gates clipped at 0 or 1, most ReLUs off
    [[2, 3, 7, 12], 3, 0.3, SLOPE6],
    [[2, 3, 5, 8], 4, 3, SLOPE6],
  ])('gradients of x, w1, b1, w2, b2 equal those of the op chain: x %j, %i mid channels, weight scale %f, slope %f', (shape, mid, scale, slope = 0.2) => {
    const c = shape[3]!;
    const x = tf.randomNormal(shape, 0, 2, 'float32', 11);
    const w1 = tf.randomNormal([1, 1, c, mid], 0, scale, 'float32', 12);
    const b1 = tf.randomNormal([mid], 0, 0.3, 'float32', 13);
    const w2 = tf.randomNormal([1, 1, mid, c], 0, scale, 'float32', 14);
    const b2 = tf.randomNormal([c], 0, 0.5, 'float32', 15);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 16);
    const loss = (f: typeof viaOps) => (...a: Tensor[]): Tensor => tf.sum(tf.mul(f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, slope), r));
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      return tf.grads(loss(squeezeExcite))([x, w1, b1, w2, b2]);
    });
    const want = tf.grads(loss(viaOps))([x, w1, b1, w2, b2]);
    for (const [k, name] of ['x', 'w1', 'b1', 'w2', 'b2'].entries()) {
      expect(got[k]!.shape, name).toEqual(want[k]!.shape);
      const [a, b] = [got[k]!.dataSync(), want[k]!.dataSync()];
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
      expect(worst, name).toBeLessThan(1e-5);
    }
    tf.dispose([...got, ...want]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w1, b1, w2, b2, r]);
  });

  it('runs under a gradient tape only while its training use is on', () => {
    const under = (): boolean => {
      let seen = false;
      tf.grads((a: Tensor) => {
        seen = canFuseSe();
        return tf.sum(a);
      })([tf.zeros([1])]).forEach((t) => t.dispose());
      return seen;
    };
    expect(canFuseSe()).toBe(true);
    expect(under()).toBe(true);
    setSeTrainEnabled(false);
    expect(under()).toBe(false);
    expect(canFuseSe()).toBe(true);
    setSeTrainEnabled(true);
  });

  it('rejects mismatched weights by name', () => {
    const x = tf.zeros([1, 2, 2, 8]);
    expect(() => squeezeExcite(x, tf.zeros([1, 1, 8, 2]), tf.zeros([2]), tf.zeros([1, 1, 3, 8]), tf.zeros([8]))).toThrow(InvalidArgumentError);
    expect(() => squeezeExcite(x, tf.zeros([1, 1, 8, 2]), tf.zeros([2]), tf.zeros([1, 1, 2, 8]), tf.zeros([7]))).toThrow(/expected w1/);
    expect(() => squeezeExcite(x, tf.zeros([1, 1, 8, 2]), tf.zeros([2]), tf.zeros([1, 1, 2, 8]), tf.zeros([8]), NaN)).toThrow(/slope/);
  });
});
