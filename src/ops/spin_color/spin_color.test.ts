import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { setSimdEnabled } from '../simd/simd.ts';
import { spinBetas, spinColor, spinPowerSum } from './spin_color.ts';

beforeAll(() => registerAllKernels());

describe('spinBetas', () => {
  it('matches the table of docs/models.md §7.3', () => {
    expect(spinBetas(6)).toEqual([0.03, 33.33, 0.08, 12.5, 0.16, 6.25, 0.27, 3.7, 0.43, 2.33, 0.66, 1.52, 1.0]);
    expect(spinBetas(5)).toEqual([0.04, 25.0, 0.1, 10.0, 0.21, 4.76, 0.37, 2.7, 0.62, 1.61, 1.0]);
    expect(spinBetas(3)).toEqual([0.06, 16.67, 0.21, 4.76, 0.48, 2.08, 1.0]);
  });
  it('rejects a K that is not a positive integer', () => {
    expect(() => spinBetas(0)).toThrow(InvalidArgumentError);
  });
});

describe.each(['cpu', 'wasm'] as const)('spinColor on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('without AIN equals AIN with gate 0, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 3, 5, 1], -1, 1, 'float32', 1);
    const w = tf.randomNormal([2, 13], 0, 1, 'float32', 2);
    const plain = spinColor(x, w);
    const off = tf.randomUniform([2, 3, 5, 1], 0, 1, 'float32', 3);
    const gate = tf.zeros([2]);
    const gated = spinColor(x, w, { offsets: off, gate });
    const a = await plain.data();
    const b = await gated.data();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));
    tf.dispose([x, w, plain, off, gate, gated]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stays finite where the intensity is exactly 0 or 1 (x = ±1), gradients included', async () => {
    const x = tf.tensor4d([-1, 1, -1, 0.5, 1, -0.25], [1, 2, 3, 1]);
    const w = tf.randomNormal([1, 13], 0, 1, 'float32', 4);
    const [dx, dw] = tf.grads((a: Tensor, b: Tensor) => spinColor(a, b).sum())([x, w]);
    for (const t of [spinColor(x, w), dx!, dw!]) (await t.data()).forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  it('agrees with central finite differences for every input', async () => {
    const shape: [number, number, number, number] = [2, 3, 4, 1];
    const x = tf.randomUniform(shape, -0.9, 0.9, 'float32', 5);
    const w = tf.randomNormal([2, 7], 0, 1, 'float32', 6);
    const off = tf.randomUniform(shape, 0.1, 0.9, 'float32', 7);
    const gate = tf.tensor1d([0.3, 0.6]);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 8);
    const f = (a: Tensor, b: Tensor, c: Tensor, d: Tensor): Tensor => spinColor(a, b, { offsets: c, gate: d }).mul(r).sum();
    const inputs = [x, w, off, gate];
    const grads = tf.grads(f)(inputs);
    const values = await Promise.all(inputs.map((t) => t.data<'float32'>()));
    const h = 1e-2;
    for (let which = 0; which < 4; which++) {
      const g = await grads[which]!.data();
      for (let i = 0; i < values[which]!.length; i += 2) {
        const at = async (delta: number): Promise<number> => {
          const v = values.map((a) => a.slice());
          v[which]![i]! += delta;
          const ts = v.map((a, k) => tf.tensor(a, inputs[k]!.shape));
          return (await f(ts[0]!, ts[1]!, ts[2]!, ts[3]!).data())[0]!;
        };
        const fd = ((await at(h)) - (await at(-h))) / (2 * h);
        expect(Math.abs(fd - g[i]!)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it('trains its weights and gate with an optimizer', async () => {
    const x = tf.randomUniform([1, 4, 6, 1], -1, 1, 'float32', 9);
    const off = tf.randomUniform([1, 4, 6, 1], 0, 1, 'float32', 10);
    const target = tf.randomUniform([1, 4, 6, 1], -1, 1, 'float32', 11);
    const w = tf.variable(tf.tensor2d([[0, 0, 0, 0, 0, 0, 5]]));
    const logit = tf.variable(tf.tensor1d([-5]));
    const loss = (): tf.Scalar =>
      spinColor(x, w, { offsets: off, gate: tf.sigmoid(logit) }).sub(target).square().mean();
    const first = (await loss().data())[0]!;
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 20; i++) opt.minimize(loss);
    expect((await loss().data())[0]!).toBeLessThan(first);
  });

  it('rejects bad shapes with errors that state the expected shapes', () => {
    const x = tf.zeros([2, 4, 5, 1]);
    expect(() => spinColor(tf.zeros([4, 5, 1]), tf.zeros([2, 13]))).toThrow(/expected x of shape \[B, H, W, C\], got \[4, 5, 1\]/);
    expect(() => spinColor(x, tf.zeros([2, 12]))).toThrow(/expected weights of shape \[2, 2K\+1\].*got \[2, 12\]/);
    expect(() => spinColor(x, tf.zeros([2, 13]), { K: 5 })).toThrow(/expected weights of shape \[2, 11\] for K = 5, got \[2, 13\]/);
    expect(() => spinColor(x, tf.zeros([2, 13]), { offsets: tf.zeros([2, 4, 5, 2]), gate: tf.zeros([2]) })).toThrow(
      /expected offsets of shape \[2, 4, 5, 1\] \(as x\), got \[2, 4, 5, 2\]/,
    );
    expect(() => spinColor(x, tf.zeros([2, 13]), { offsets: tf.zeros([2, 4, 5, 1]), gate: tf.zeros([2, 1]) })).toThrow(
      /expected gate of shape \[2\], got \[2, 1\]/,
    );
    expect(() => spinColor(x, tf.zeros([2, 13]), { offsets: tf.zeros([2, 4, 5, 1]) })).toThrow(/together/);
    expect(() => spinColor(x, tf.zeros([2, 13]), { scale: tf.ones([3]) })).toThrow(/expected scale of shape \[1\], got \[3\]/);
  });
});

describe('the wasm SIMD power sum', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('equals the TypeScript twin (float64) to float32 rounding, zero intensities, the tail and every exponent included', async () => {
    const betas = spinBetas(6);
    const shape: [number, number, number, number] = [3, 5, 7, 3]; // 105 elements per image: a tail of 1
    const xs = tf.randomUniform(shape, -1, 1, 'float32', 21);
    const xv = await xs.data<'float32'>();
    for (let i = 0; i < xv.length; i += 17) xv[i] = i % 2 === 0 ? -1 : 1; // I = 0 and I = 1 where λ = 0
    const x = tf.tensor4d(xv, shape);
    const offsets = tf.randomUniform(shape, 0, 1, 'float32', 22);
    const gate = tf.tensor1d([0, 0.4, 1]);
    const weights = tf.randomNormal([3, betas.length], 0, 1, 'float32', 23);
    const run = async (): Promise<Float32Array> => {
      const y = spinPowerSum(x, weights, offsets, gate, betas);
      const v = await y.data<'float32'>();
      y.dispose();
      return v;
    };
    const fast = await run();
    setSimdEnabled(false);
    let twin: Float32Array;
    try {
      twin = await run();
    } finally {
      setSimdEnabled(true);
    }
    let worst = 0;
    fast.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - twin[i]!) / Math.max(1, Math.abs(twin[i]!)))));
    expect(worst).toBeLessThan(5e-6);
    expect(worst).toBeGreaterThan(0); // the SIMD path really ran (float32 log/exp differ from float64 in the last bits)
    expect(fast[0]).toBe(0); // x = −1 with λ = 0: I = 0, and 0^β = 0
    tf.dispose([xs, x, offsets, gate, weights]);
  });
});
