import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { hardSwish } from './hard_swish.ts';

// PyTorch 1.13 F.hardswish and its backward at these points (exact in float32 arithmetic).
const X = [-5, -3, -2.5, -1, -0.5, 0, 0.5, 1, 2.5, 3, 4];
const Y = [0, -0, -0.20833333, -0.33333334, -0.20833333, 0, 0.29166666, 0.6666667, 2.2916667, 3, 4];
const DY = [0, -0.5, -0.33333334, 0.16666667, 0.33333334, 0.5, 0.6666667, 0.8333333, 1.3333334, 1.5, 1];

beforeAll(() => registerAllKernels());

describe.each(['cpu', 'wasm'] as const)('hardSwish on %s', (backend) => {
  beforeAll(async () => {
    const r = await initBackend(backend);
    expect(r.backend).toBe(backend);
  });

  it('matches the PyTorch values', async () => {
    const y = await hardSwish(tf.tensor1d(X)).data();
    Y.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it('has the PyTorch gradient through tf.grad', async () => {
    const g = tf.grad((x: tf.Tensor) => hardSwish(x).sum());
    const dx = await g(tf.tensor1d(X)).data();
    DY.forEach((v, i) => expect(dx[i]).toBeCloseTo(v, 6));
  });

  it('agrees with central finite differences away from the kinks', async () => {
    const xs = tf.randomUniform([64], -5, 5, 'float32', 7);
    const w = tf.randomNormal([64], 0, 1, 'float32', 8);
    const f = (x: tf.Tensor) => hardSwish(x).mul(w).sum();
    const analytic = await tf.grad(f)(xs).data();
    const x0 = await xs.data();
    const h = 1e-2;
    for (let i = 0; i < 64; i++) {
      if (Math.abs(Math.abs(x0[i]!) - 3) < 2 * h) continue;
      const plus = x0.slice();
      const minus = x0.slice();
      plus[i]! += h;
      minus[i]! -= h;
      const fd = ((await f(tf.tensor1d(plus)).data())[0]! - (await f(tf.tensor1d(minus)).data())[0]!) / (2 * h);
      expect(Math.abs(fd - analytic[i]!)).toBeLessThan(2e-3);
    }
  });

  it('keeps shape and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const x = tf.zeros([2, 3, 4]);
    const y = hardSwish(x);
    expect(y.shape).toEqual([2, 3, 4]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a non-float tensor with a named error', () => {
    expect(() => hardSwish(tf.tensor1d([1, 2], 'int32'))).toThrow(InvalidArgumentError);
  });
});
