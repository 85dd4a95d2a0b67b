import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { setSimdEnabled } from '../simd/simd.ts';
import { biLstmLayer, biLstmSequence, hasBiLstmKernel, hasBiLstmLayerKernel, setBiLstmKernelEnabled, setBiLstmLayerKernelEnabled } from './bilstm.ts';
import { setSimdLstmCells } from './simd_kernel.ts';
import { biLstmLanes } from './kernels.ts';
import { expectInferenceOnWasmOnly } from '../../testing/fusion_switch.ts';

beforeAll(() => registerAllKernels());

/** Block-diagonal [2H, 8H] with gate columns [i_f i_b | f_f f_b | o_f o_b | g_f g_b]. */
function blockDiagonal(h: number, seed: number): Tensor {
  return tf.tidy(() => {
    const w = tf.randomUniform([2 * h, 8 * h], -0.5, 0.5, 'float32', seed);
    const col = tf.floorDiv(tf.range(0, 8 * h, 1, 'int32'), h).mod(2); // 0: forward column, 1: backward
    const row = tf.floorDiv(tf.range(0, 2 * h, 1, 'int32'), h);
    return tf.mul(w, tf.cast(tf.equal(tf.expandDims(row, 1), tf.expandDims(col, 0)), 'float32'));
  });
}

/** The definition with plain tfjs ops: each direction its own loop over time. */
function reference(proj: Tensor, wRec: Tensor, h: number): Tensor {
  const [steps, batch] = proj.shape as [number, number];
  const cols = (dir: number): Tensor[] => [0, 1, 2, 3].map((g) => tf.slice(proj, [0, 0, (2 * g + dir) * h], [steps, batch, h]));
  const wcols = (dir: number): Tensor[] => [0, 1, 2, 3].map((g) => tf.slice(wRec, [dir * h, (2 * g + dir) * h], [h, h]));
  const out: Tensor[][] = [[], []];
  for (const dir of [0, 1]) {
    const [pi, pf, po, pg] = cols(dir) as [Tensor, Tensor, Tensor, Tensor];
    const [wi, wf, wo, wg] = wcols(dir) as [Tensor, Tensor, Tensor, Tensor];
    let hh: Tensor = tf.zeros([batch, h]);
    let c: Tensor = tf.zeros([batch, h]);
    const ys: Tensor[] = new Array<Tensor>(steps);
    for (let k = 0; k < steps; k++) {
      const t = dir === 0 ? k : steps - 1 - k;
      const at = (p: Tensor): Tensor => tf.squeeze(tf.slice(p, [t, 0, 0], [1, batch, h]), [0]);
      const i = tf.sigmoid(tf.add(at(pi), tf.matMul(hh, wi)));
      const f = tf.sigmoid(tf.add(at(pf), tf.matMul(hh, wf)));
      const o = tf.sigmoid(tf.add(at(po), tf.matMul(hh, wo)));
      const g = tf.tanh(tf.add(at(pg), tf.matMul(hh, wg)));
      c = tf.add(tf.mul(f, c), tf.mul(i, g));
      hh = tf.mul(o, tf.tanh(c));
      ys[t] = hh;
    }
    out[dir] = ys;
  }
  return tf.concat([tf.stack(out[0]!), tf.stack(out[1]!)], 2);
}

function maxAbsDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

it('webgpu workgroups: a power of two of lanes covering H, 32 to 256', () => {
  expect([4, 32, 40, 96, 256, 300, 1024].map(biLstmLanes)).toEqual([32, 32, 64, 128, 256, 256, 256]);
});

// wasm runs the SIMD GEMM path (../simd) and, switched off, the TypeScript loops of the cpu kernel.
describe.each([
  ['cpu', 'cpu', false],
  ['wasm (SIMD)', 'wasm', true],
  ['wasm (SIMD GEMMs, TypeScript cells)', 'wasm', 'gemm-only'],
  ['wasm (TypeScript loops)', 'wasm', false],
] as const)('biLstmSequence on %s', (_, backend, simd) => {
  beforeAll(async () => {
    const r = await initBackend(backend);
    expect(r.backend).toBe(backend);
    setSimdEnabled(simd !== false);
    setSimdLstmCells(simd === true);
    return () => {
      setSimdEnabled(true);
      setSimdLstmCells(true);
    };
  });

  it.each([
    [5, 1, 4],
    [7, 3, 6],
    [6, 9, 8],
  ])('matches the per-step definition and its gradients (T=%i, B=%i, H=%i)', async (steps, batch, h) => {
    const proj = tf.randomUniform([steps, batch, 8 * h], -2, 2, 'float32', 11);
    const wRec = blockDiagonal(h, 12);
    const probe = tf.randomNormal([steps, batch, 2 * h], 0, 1, 'float32', 13);
    const loss = (f: (p: Tensor, w: Tensor) => Tensor) => (p: Tensor, w: Tensor) => tf.sum(tf.mul(f(p, w), probe));
    const fused = (p: Tensor, w: Tensor): Tensor => biLstmSequence(p, w, h);
    const ref = (p: Tensor, w: Tensor): Tensor => reference(p, w, h);
    const y = fused(proj, wRec);
    const yRef = ref(proj, wRec);
    expect(y.shape).toEqual([steps, batch, 2 * h]);
    expect(maxAbsDiff(await y.data(), await yRef.data())).toBeLessThan(1e-6);
    const [gp, gw] = tf.grads(loss(fused))([proj, wRec]) as [Tensor, Tensor];
    const [rp, rw] = tf.grads(loss(ref))([proj, wRec]) as [Tensor, Tensor];
    expect(maxAbsDiff(await gp.data(), await rp.data())).toBeLessThan(1e-5);
    // Off-diagonal blocks of wRec get a zero gradient from the kernel; compare the diagonal ones.
    const mask = tf.notEqual(wRec, 0);
    const [a, b] = [await tf.where(mask, gw, 0).data(), await tf.where(mask, rw, 0).data()];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    tf.dispose([proj, wRec, probe, y, yRef, gp, gw, rp, rw, mask]);
  });

  it('makes no tensors it does not return, with and without a gradient tape', () => {
    const proj = tf.randomUniform([4, 2, 16], -1, 1, 'float32', 1);
    const wRec = blockDiagonal(2, 2);
    const before = tf.memory().numTensors;
    biLstmSequence(proj, wRec, 2).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const g = tf.grads((p: Tensor, w: Tensor) => tf.sum(biLstmSequence(p, w, 2)))([proj, wRec]);
    tf.dispose(g);
    const gp = tf.grad((p: Tensor) => tf.sum(biLstmSequence(p, wRec, 2)))(proj); // one input only
    gp.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([proj, wRec]);
  });

  it('can be switched off for before/after measurements', () => {
    expect(hasBiLstmKernel()).toBe(true);
    setBiLstmKernelEnabled(false);
    expect(hasBiLstmKernel()).toBe(false);
    setBiLstmKernelEnabled(true);
  });

  it('rejects wrong shapes and dtypes with a named error', () => {
    const proj = tf.zeros([3, 1, 16]);
    expect(() => biLstmSequence(proj, tf.zeros([4, 8]), 2)).toThrow(InvalidArgumentError);
    expect(() => biLstmSequence(tf.zeros([3, 1, 15]), tf.zeros([4, 16]), 2)).toThrow(/proj must be/);
    expect(() => biLstmSequence(proj, tf.zeros([4, 16], 'int32'), 2)).toThrow(/wRec of dtype float32/);
    expect(() => biLstmSequence(proj, tf.zeros([4, 16]), 0)).toThrow(/hidden/);
  });
});

describe.each([
  ['SIMD', true],
  ['TypeScript loops', false],
] as const)('biLstmLayer on wasm (%s)', (_, simd) => {
  beforeAll(async () => {
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
    setSimdEnabled(simd);
    return () => setSimdEnabled(true);
  });

  it.each([
    [5, 1, 12, 4],
    [9, 3, 37, 8],
    [7, 2, 10, 6], // H % 4 ≠ 0: the TypeScript path even with SIMD
    [25, 1, 288, 48],
  ])('equals biLstmSequence(x·wX + bias) (T=%i, B=%i, In=%i, H=%i)', async (steps, batch, inF, h) => {
    const x = tf.randomNormal([steps, batch, inF], 0, 1, 'float32', 31);
    const wX = tf.randomUniform([inF, 8 * h], -0.3, 0.3, 'float32', 32);
    const bias = tf.randomUniform([8 * h], -1, 1, 'float32', 33);
    const wRec = blockDiagonal(h, 34);
    const want = tf.tidy(() => biLstmSequence(tf.reshape(tf.add(tf.matMul(tf.reshape(x, [steps * batch, inF]), wX), bias), [steps, batch, 8 * h]), wRec, h));
    const before = tf.memory().numTensors;
    const y = biLstmLayer(x, wX, bias, wRec, h);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual([steps, batch, 2 * h]);
    expect(maxAbsDiff(await y.data(), await want.data())).toBeLessThan(1e-5);
    tf.dispose([x, wX, bias, wRec, want, y]);
  });
});

describe('biLstmLayer: where it runs, and its errors', () => {
  it('runs at inference on wasm only, and can be switched off', async () => {
    // Under a gradient tape the projection and recurrence stay separate kernels (they have gradients).
    await expectInferenceOnWasmOnly(hasBiLstmLayerKernel, setBiLstmLayerKernelEnabled);
  });

  it('rejects wrong shapes and dtypes with a named error', async () => {
    await initBackend('wasm');
    const [x, wX, bias, wRec] = [tf.zeros([3, 1, 5]), tf.zeros([5, 16]), tf.zeros([16]), tf.zeros([4, 16])];
    expect(() => biLstmLayer(x, wX, bias, wRec, 0)).toThrow(InvalidArgumentError);
    expect(() => biLstmLayer(tf.zeros([3, 5]), wX, bias, wRec, 2)).toThrow(/x \[T, B, In\]/);
    expect(() => biLstmLayer(x, tf.zeros([4, 16]), bias, wRec, 2)).toThrow(/wX/);
    expect(() => biLstmLayer(x, wX, tf.zeros([8]), wRec, 2)).toThrow(/bias must be/);
    expect(() => biLstmLayer(x, wX, bias, tf.zeros([4, 8]), 2)).toThrow(/wRec must be/);
    expect(() => biLstmLayer(x, wX, bias, tf.zeros([4, 16], 'int32'), 2)).toThrow(/wRec of dtype float32/);
    tf.dispose([x, wX, bias, wRec]);
  });
});
