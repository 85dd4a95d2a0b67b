/**
 * The attention head's fused greedy decoder (src/ops/attention_decode) against its unrolled tf ops, on
 * random weights: logits within 1e-4 for GRU and LSTM, one row and several, with and without a class
 * bias steering the fed-back argmax; on cpu, wasm with the SIMD GEMMs and wasm with TypeScript loops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { registerAllKernels } from '../../ops/registry.ts';
import { setSimdEnabled } from '../../ops/simd/simd.ts';
import { TS_WASM_MAX_BATCH, canFuseAttentionDecode, setAttentionDecodeEnabled } from '../../ops/attention_decode/attention_decode.ts';
import type { Params } from '../params.ts';
import { AttentionHead } from './attention.ts';

beforeAll(() => registerAllKernels());

const T = 9;
const D = 10;
const C = 13;

/** Random weights large enough that the greedy path wanders over many classes. */
function randomParams(head: AttentionHead, seed: number): Params {
  return new Map(head.specs.map((s, i) => [s.name, tf.randomNormal(s.shape, 0, 1, 'float32', seed + i)]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Greedy choices per row: argmax of each step's logits + bias. */
function choices(logits: Float32Array, batch: number, steps: number, bias: Float32Array | null): number[][] {
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: steps }, (_, s) => {
      const row = logits.subarray((b * steps + s) * C, (b * steps + s + 1) * C);
      let best = 0;
      for (let k = 1; k < C; k++) if (row[k]! + (bias?.[k] ?? 0) > row[best]! + (bias?.[best] ?? 0)) best = k;
      return best;
    }),
  );
}

describe.each([
  ['cpu', 'cpu', true],
  ['wasm (SIMD GEMMs)', 'wasm', true],
  ['wasm (TypeScript loops)', 'wasm', false],
] as const)('fused attention decode on %s', (_, backend, simd) => {
  beforeAll(async () => {
    const r = await initBackend(backend, { gpu: undefined });
    expect(r.backend).toBe(backend);
    setSimdEnabled(simd);
  });
  afterAll(() => {
    setSimdEnabled(true);
    setAttentionDecodeEnabled(true);
  });

  it.each([
    ['gru', 6, 1, false],
    ['gru', 6, 4, true],
    ['gru', 8, 3, false],
    ['lstm', 6, 1, true],
    ['lstm', 8, 5, false],
    ['lstm', 7, 2, true],
  ] as const)('%s, hidden %i, batch %i, class bias %s: logits as the unrolled ops', async (cell, hidden, batch, withBias) => {
    const steps = 7;
    const head = new AttentionHead({ kind: 'attention', cell, hidden, steps, naming: 'dtrb', labels: 'go-eos' }, D, C);
    const params = randomParams(head, 100 + hidden * 10 + batch);
    const compiled = head.compile(params);
    const x = tf.randomNormal([T, batch, D], 0, 1, 'float32', 7 + batch);
    // A bias that forbids a few classes (as an allowed-character mask does) and favours another.
    const biasData = withBias ? Float32Array.from({ length: C }, (_, k) => (k % 4 === 2 ? -1e9 : k === 5 ? 0.7 : 0)) : null;
    const bias = biasData === null ? null : tf.tensor1d(biasData);
    compiled.setClassBias(bias);
    const run = async (fused: boolean): Promise<Float32Array> => {
      setAttentionDecodeEnabled(fused);
      expect(canFuseAttentionDecode()).toBe(fused);
      const y = compiled.apply(x);
      expect(y.shape).toEqual([batch, steps, C]);
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    };
    const before = tf.memory().numTensors;
    const fused = await run(true);
    expect(tf.memory().numTensors).toBe(before); // the fused path leaks nothing
    const unrolled = await run(false);
    expect(maxAbsDiff(fused, unrolled)).toBeLessThan(1e-4);
    // The feedback is exercised: the greedy paths agree and change class along the way.
    const path = choices(fused, batch, steps, biasData);
    expect(path).toEqual(choices(unrolled, batch, steps, biasData));
    expect(new Set(path.flat()).size).toBeGreaterThan(1);
    if (biasData !== null) for (const k of path.flat()) expect(k % 4).not.toBe(2);
    compiled.dispose();
    tf.dispose([...params.values(), x]);
    bias?.dispose();
  });

  it('runs for every batch, except past a few rows on wasm without the SIMD module', () => {
    setAttentionDecodeEnabled(true);
    expect(canFuseAttentionDecode(TS_WASM_MAX_BATCH)).toBe(true);
    expect(canFuseAttentionDecode(TS_WASM_MAX_BATCH + 1)).toBe(backend === 'cpu' || simd);
  });

  it('training (a gradient tape or teacher inputs) keeps the unrolled ops', () => {
    setAttentionDecodeEnabled(true);
    expect(canFuseAttentionDecode()).toBe(true);
    let underTape = true;
    tf.grad((v: Tensor) => {
      underTape = canFuseAttentionDecode();
      return tf.sum(v);
    })(tf.ones([2])).dispose();
    expect(underTape).toBe(false);
    const head = new AttentionHead({ kind: 'attention', cell: 'gru', hidden: 4, steps: 3, naming: 'dtrb', labels: 'go-eos' }, D, C);
    const params = randomParams(head, 1);
    const x = tf.randomNormal([T, 2, D], 0, 1, 'float32', 3);
    const teacher = tf.tensor2d([[0, 4, 5], [0, 6, 7]], [2, 3], 'int32');
    const forced = head.compile(params, { batchNorm: 'running', bnStats: [], teacher });
    const free = head.compile(params);
    const [a, b] = [forced.apply(x), free.apply(x)];
    // Step 0 reads [GO] in both; step 1 reads the teacher's class 4, not the free argmax.
    const [fa, fb] = [a.dataSync(), b.dataSync()];
    expect(maxAbsDiff(fa.subarray(0, C) as Float32Array, fb.subarray(0, C) as Float32Array)).toBeLessThan(1e-5);
    expect(maxAbsDiff(fa as Float32Array, fb as Float32Array)).toBeGreaterThan(1e-4);
    forced.dispose();
    free.dispose();
    tf.dispose([...params.values(), x, teacher, a, b]);
  });
});
