import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { registerAllKernels } from '../registry.ts';
import { setSimdEnabled } from '../simd/simd.ts';
import { leadingRun } from './wasm_reduce.ts';

beforeAll(async () => {
  registerAllKernels();
  const r = await initBackend('wasm');
  expect(r.backend).toBe('wasm');
});

describe('leadingRun', () => {
  it('takes one run of axes that leaves the last axis, and nothing else', () => {
    expect(leadingRun([2, 3, 4, 5], [0, 1, 2])).toEqual({ outer: 1, r: 24, inner: 5, axes: [0, 1, 2] });
    expect(leadingRun([2, 3, 4, 5], [2, 1])).toEqual({ outer: 2, r: 12, inner: 5, axes: [1, 2] });
    expect(leadingRun([2, 3, 4, 5], -2)).toEqual({ outer: 6, r: 4, inner: 5, axes: [2] });
    expect(leadingRun([2, 3, 4, 5], [0, 2])).toBeNull();
    expect(leadingRun([2, 3, 4, 5], [3])).toBeNull();
    expect(leadingRun([2, 3, 4, 5], [])).toBeNull();
    expect(leadingRun([2, 3, 4, 5], null)).toBeNull();
  });
});

describe('Sum and Mean on wasm through the SIMD column sum', () => {
  const cases: [number[], number | number[], boolean][] = [
    [[2, 3, 4, 5], [0, 1, 2], false],
    [[2, 3, 4, 5], [1, 2], true],
    [[2, 3, 4, 5], 0, false],
    [[2, 3, 4, 5], -3, true],
    [[7, 9], 0, false],
    [[2, 3, 4, 5], [0, 2], false], // not one run: the backend's kernel
    [[2, 3, 4, 5], 3, true], // the last axis: the backend's kernel
  ];
  it('reduces every axis (no axis given) through the backend kernel', () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(tf.sum(x).dataSync()[0]).toBe(36);
    expect(tf.mean(x).dataSync()[0]).toBe(4.5);
    x.dispose();
  });

  it.each(cases)('equals the backend kernel: shape %j, axis %j, keepDims %s', (shape, axis, keepDims) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 5);
    for (const op of [tf.sum, tf.mean] as const) {
      setSimdEnabled(false);
      const want = op(x, axis, keepDims);
      setSimdEnabled(true);
      const got = op(x, axis, keepDims);
      expect(got.shape).toEqual(want.shape);
      const [a, b] = [got.dataSync(), want.dataSync()];
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
      tf.dispose([want, got]);
    }
    x.dispose();
  });

  it('keeps long columns accurate (batch 64 BatchNorm statistics) and leaves ints to the backend', () => {
    const [n, c] = [64 * 16 * 50, 24];
    const data = Float32Array.from({ length: n * c }, (_, i) => 1 + Math.sin(i * 0.37));
    const x = tf.tensor4d(data, [64, 16, 50, c]);
    const got = tf.mean(x, [0, 1, 2]).dataSync();
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += data[r * c + k]!;
      expect(Math.abs(got[k]! - s / n)).toBeLessThan(1e-6);
    }
    const ints = tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([4, 6]);
    tf.dispose([x, ints]);
  });
});
