import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { adamStep, hasAdamKernel, type AdamStepAttrs } from './adam.ts';

/** The op chain Adam used before (src/train/optim/optimizers.ts). */
function viaOps(p: Tensor, m: Tensor, v: Tensor, gIn: Tensor, a: AdamStepAttrs): Tensor[] {
  return tf.tidy(() => {
    let q = p;
    let g = gIn;
    if (a.decoupled) q = q.mul(1 - a.lr * a.wd);
    else if (a.wd !== 0) g = g.add(q.mul(a.wd));
    const m2 = m.mul(a.beta1).add(g.mul(1 - a.beta1));
    const v2 = v.mul(a.beta2).add(g.square().mul(1 - a.beta2));
    const denom = v2.sqrt().div(Math.sqrt(a.bc2)).add(a.eps);
    return [q.sub(m2.div(denom).mul(a.lr / a.bc1)), m2, v2];
  });
}

beforeAll(() => registerAllKernels());

describe.each(['cpu', 'wasm'] as const)('adamStep on %s', (backend) => {
  beforeAll(async () => {
    expect((await initBackend(backend)).backend).toBe(backend);
  });

  it.each([
    ['plain', 0, false],
    ['L2 decay', 0.01, false],
    ['decoupled decay', 0.05, true],
  ] as const)('equals the op chain (%s)', (_, wd, decoupled) => {
    expect(hasAdamKernel()).toBe(true);
    const p = tf.randomNormal([7, 13], 0, 1, 'float32', 1);
    const m = tf.randomNormal([7, 13], 0, 0.1, 'float32', 2);
    const v = tf.randomUniform([7, 13], 0, 0.01, 'float32', 3);
    const g = tf.randomNormal([7, 13], 0, 0.3, 'float32', 4);
    const a: AdamStepAttrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd, decoupled, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.999 ** 3 };
    const got = adamStep(p, m, v, g, a);
    const want = viaOps(p, m, v, g, a);
    for (let k = 0; k < 3; k++) {
      const [x, y] = [got[k]!.dataSync(), want[k]!.dataSync()];
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(y[i]!)));
    }
    tf.dispose([p, m, v, g, ...got, ...want]);
  });

  it('rejects mismatched slots by name', () => {
    const p = tf.zeros([4]);
    const a: AdamStepAttrs = { lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0, decoupled: false, bc1: 0.1, bc2: 0.001 };
    expect(() => adamStep(p, tf.zeros([5]), tf.zeros([4]), tf.zeros([4]), a)).toThrow(InvalidArgumentError);
  });
});
