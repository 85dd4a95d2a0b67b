import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { ctcLoss } from './ctc_loss.ts';

beforeAll(() => registerAllKernels());

const int2 = (rows: number[][]): Tensor => tf.tensor2d(rows, undefined, 'int32');
const int1 = (v: number[]): Tensor => tf.tensor1d(v, 'int32');

describe.each(['cpu', 'wasm'] as const)('ctcLoss on %s', (backend) => {
  beforeAll(async () => {
    const r = await initBackend(backend);
    expect(r.backend).toBe(backend);
  });

  it('is exact on a one-frame, one-label case: −log softmax(label)', async () => {
    const logits = tf.tensor3d([[[0.5, 2, -1]]]);
    const loss = await ctcLoss(logits, int2([[1]]), int1([1]), { reduction: 'none' }).data();
    const z = Math.log(Math.exp(0.5) + Math.exp(2) + Math.exp(-1));
    expect(loss[0]).toBeCloseTo(z - 2, 6);
  });

  it('agrees with central finite differences (repeats, blank last, short input)', async () => {
    const B = 2;
    const T = 6;
    const C = 4;
    const x0 = tf.randomNormal([B, T, C], 0, 1.5, 'float32', 3);
    const labels = int2([[0, 0], [1, 2]]);
    const lengths = int1([2, 2]);
    const inputLengths = int1([6, 4]);
    const f = (x: Tensor): Tensor => ctcLoss(x, labels, lengths, { blank: C - 1, inputLengths, normalize: 'paddle' });
    const analytic = await tf.grad(f)(x0).data();
    const base = await x0.data();
    const h = 1e-2;
    let worst = 0;
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      const minus = base.slice();
      plus[i]! += h;
      minus[i]! -= h;
      const lp = (await f(tf.tensor3d(plus, [B, T, C])).data())[0]!;
      const lm = (await f(tf.tensor3d(minus, [B, T, C])).data())[0]!;
      worst = Math.max(worst, Math.abs((lp - lm) / (2 * h) - analytic[i]!));
    }
    expect(worst).toBeLessThan(2e-3);
    // Frames past the input length of sample 1 get no gradient.
    const g = await tf.grad(f)(x0).array() as number[][][];
    expect(g[1]![5]!.every((v) => v === 0)).toBe(true);
  });

  it('gives +∞ and a NaN gradient for an impossible alignment without zeroInfinity, 0 and 0 with it', async () => {
    const x = tf.randomNormal([1, 3, 3], 0, 1, 'float32', 5);
    const labels = int2([[1, 1]]); // needs 3 frames: fits
    const tooLong = int2([[1, 1, 1]]); // needs 5 frames: impossible
    const fits = await ctcLoss(x, labels, int1([2]), { zeroInfinity: false, reduction: 'sum' }).data();
    expect(Number.isFinite(fits[0])).toBe(true);
    const inf = await ctcLoss(x, tooLong, int1([3]), { zeroInfinity: false, reduction: 'sum' }).data();
    expect(inf[0]).toBe(Infinity);
    const gNaN = await tf.grad((t: Tensor) => ctcLoss(t, tooLong, int1([3]), { zeroInfinity: false, reduction: 'sum' }))(x).data();
    expect(gNaN.every((v) => Number.isNaN(v))).toBe(true);
    const zero = await ctcLoss(x, tooLong, int1([3])).data();
    expect(zero[0]).toBe(0);
    const g0 = await tf.grad((t: Tensor) => ctcLoss(t, tooLong, int1([3])))(x).data();
    expect(g0.every((v) => v === 0)).toBe(true);
  });

  it('trains a tiny linear model with a tf.train optimizer: the loss decreases', async () => {
    const B = 4;
    const T = 8;
    const F = 5;
    const C = 4;
    const feats = tf.randomNormal([B, T, F], 0, 1, 'float32', 11);
    const labels = int2([[1, 2, 0], [3, 3, 0], [2, 1, 3], [1, 0, 0]]);
    const lengths = int1([2, 2, 3, 1]);
    const w = tf.variable(tf.randomNormal([F, C], 0, 0.1, 'float32', 12));
    const b = tf.variable(tf.zeros([C]));
    const opt = tf.train.adam(0.05);
    const lossOf = (): tf.Scalar =>
      ctcLoss(feats.reshape([B * T, F]).matMul(w).add(b).reshape([B, T, C]), labels, lengths) as tf.Scalar;
    const first = (await lossOf().data())[0]!;
    tf.dispose(opt.minimize(lossOf, true) ?? []); // creates Adam's moment variables
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++) tf.dispose(opt.minimize(lossOf, true) ?? []);
    expect(tf.memory().numTensors).toBe(before);
    const last = (await lossOf().data())[0]!;
    expect(last).toBeLessThan(0.5 * first);
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('leaks no tensors, forward or backward', () => {
    const x = tf.randomNormal([2, 5, 4]);
    const labels = int2([[1, 2], [3, 0]]);
    const lengths = int1([2, 1]);
    const before = tf.memory().numTensors;
    const l = ctcLoss(x, labels, lengths);
    l.dispose();
    const g = tf.grad((t: Tensor) => ctcLoss(t, labels, lengths))(x);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns [B] for reduction none, a scalar otherwise', () => {
    const x = tf.zeros([3, 4, 5]);
    const labels = int2([[1], [2], [3]]);
    expect(ctcLoss(x, labels, int1([1, 1, 1]), { reduction: 'none' }).shape).toEqual([3]);
    expect(ctcLoss(x, labels, int1([1, 1, 1]), { reduction: 'sum' }).shape).toEqual([]);
  });

  it('rejects bad inputs with named errors that state what was expected', () => {
    const x = tf.zeros([2, 4, 5]);
    const labels = int2([[1, 2], [3, 4]]);
    const lengths = int1([2, 2]);
    const cases: [() => unknown, RegExp][] = [
      [() => ctcLoss(tf.zeros([2, 4]), labels, lengths), /logits \[B, T, C\].*got shape \[2, 4\]/],
      [() => ctcLoss(tf.zeros([2, 0, 5]), labels, lengths), /B, T, C ≥ 1, got \[2, 0, 5\]/],
      [() => ctcLoss(x, tf.zeros([2, 2]), lengths), /labels \[B, Lmax\].*int32.*float32/],
      [() => ctcLoss(x, int2([[1, 2]]), lengths), /labels \[B, Lmax\] with B = 2/],
      [() => ctcLoss(x, labels, int1([2])), /labelLengths \[2\]/],
      [() => ctcLoss(x, labels, int1([3, 2])), /labelLengths\[0\] = 3 is outside \[0, 2\]/],
      [() => ctcLoss(x, int2([[1, 5], [1, 1]]), lengths), /labels\[0, 1\] = 5 is outside \[0, 5\)/],
      [() => ctcLoss(x, int2([[1, 0], [1, 1]]), lengths), /labels\[0, 1\] is the blank index 0/],
      [() => ctcLoss(x, labels, lengths, { blank: 5 }), /blank must be an integer in \[0, 5\)/],
      [() => ctcLoss(x, labels, lengths, { inputLengths: int1([5, 4]) }), /inputLengths\[0\] = 5 is outside \[1, 4\]/],
      [() => ctcLoss(x, labels, lengths, { reduction: 'avg' as 'mean' }), /mean, sum, none/],
    ];
    for (const [f, msg] of cases) {
      expect(f).toThrow(InvalidArgumentError);
      expect(f).toThrow(msg);
    }
  });
});
