import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { registerAllKernels } from '../registry.ts';
import { setWasmMatMulSimdTranspose } from './wasm_matmul.ts';

/** The wrapped wasm BatchMatMul against the cpu backend, every transpose combination and both paths. */
describe('wasm BatchMatMul wrapper (transposed products through the fast path)', () => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
  });

  const cases: [number[], number[]][] = [
    [[1, 7], [7, 5]], // M = 1: the swapped form
    [[37, 19], [19, 23]],
    [[300, 64], [64, 200]],
    [[1, 130, 67], [1, 67, 9]], // batch 1 with leading axes: a 2-D transpose; edges beyond the 4×4 blocks
    [[3, 37, 19], [3, 19, 23]], // batched: the backend's loop
    [[3, 37, 19], [1, 19, 23]], // broadcast
  ];
  const combos = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const;

  it.each(cases.flatMap((c) => [true, false].map((simd) => [...c, simd] as const)))('%j · %j (SIMD transpose %s): equal to cpu for every transpose', async (sa, sb, simd) => {
    setWasmMatMulSimdTranspose(simd);
    for (const [ta, tb] of combos) {
      const shapeA = [...sa];
      const shapeB = [...sb];
      if (ta) [shapeA[shapeA.length - 2], shapeA[shapeA.length - 1]] = [shapeA[shapeA.length - 1]!, shapeA[shapeA.length - 2]!];
      if (tb) [shapeB[shapeB.length - 2], shapeB[shapeB.length - 1]] = [shapeB[shapeB.length - 1]!, shapeB[shapeB.length - 2]!];
      const a = tf.randomUniform(shapeA, -1, 1, 'float32', 3);
      const b = tf.randomUniform(shapeB, -1, 1, 'float32', 4);
      const before = tf.memory().numTensors;
      const y = tf.matMul(a, b, ta, tb);
      const got = (await y.data()) as Float32Array;
      expect(tf.memory().numTensors).toBe(before + 1);
      const [av, bv] = [await a.data(), await b.data()];
      await tf.setBackend('cpu');
      const want = (await tf.tidy(() => tf.matMul(tf.tensor(av, shapeA), tf.tensor(bv, shapeB), ta, tb)).data()) as Float32Array;
      await tf.setBackend('wasm');
      expect(y.shape.slice(-2)).toEqual([sa[sa.length - 2], sb[sb.length - 1]]);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
      expect(worst, `transposeA=${ta} transposeB=${tb}`).toBeLessThan(1e-5);
      tf.dispose([a, b, y]);
    }
    setWasmMatMulSimdTranspose(true);
  });

  it('gradients of a transposed product equal cpu (dA = dy·Bᵀ, dB = Aᵀ·dy)', async () => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.randomUniform([40, 24], -1, 1, 'float32', 5);
        const b = tf.randomUniform([16, 24], -1, 1, 'float32', 6);
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, false, true))));
        return g([a, b]).map((t) => Array.from(t.dataSync()));
      });
    const w = run();
    await tf.setBackend('cpu');
    const c = run();
    await tf.setBackend('wasm');
    for (let k = 0; k < 2; k++) for (let i = 0; i < c[k]!.length; i++) expect(Math.abs(w[k]![i]! - c[k]![i]!)).toBeLessThan(1e-4 * (1 + Math.abs(c[k]![i]!)));
  });
});
