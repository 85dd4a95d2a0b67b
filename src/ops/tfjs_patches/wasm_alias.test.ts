import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { registerAllKernels } from '../registry.ts';
import { setWasmAliasing } from './wasm_alias.ts';

describe('Identity and same-dtype Cast on wasm share their input', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it('clone and cast to float32 share data; each survives the other being disposed', () => {
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const c = x.clone();
    const f = tf.cast(x, 'float32');
    expect(c.dataId).toBe(x.dataId);
    expect(f.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    c.dispose();
    expect(Array.from(f.dataSync())).toEqual([1, 2, 3, 4]);
    f.dispose();
    const i = tf.tensor([1.5, -2.5], [2]);
    const j = tf.cast(i, 'int32'); // another dtype: still a conversion
    expect(j.dtype).toBe('int32');
    expect(Array.from(j.dataSync())).toEqual([1, -2]);
    tf.dispose([i, j]);
  });

  it('gradients and tensor counts are the same with and without sharing', () => {
    const run = (): { g: number[]; leaked: number } => {
      const n0 = tf.memory().numTensors;
      const a = tf.tensor([0.5, -1, 2, 3], [2, 2]);
      const b = tf.tensor([1, 2, -3, 0.25], [2, 2]);
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.div(tf.mul(p, q), tf.add(tf.square(q), 1))))([a, b]);
      const out = g.flatMap((t) => Array.from(t.dataSync()));
      tf.dispose([a, b, ...g]);
      return { g: out, leaked: tf.memory().numTensors - n0 };
    };
    setWasmAliasing(false);
    const copied = run();
    setWasmAliasing(true);
    const shared = run();
    expect(shared.g).toEqual(copied.g);
    expect(shared.leaked).toBe(0);
    expect(copied.leaked).toBe(0);
  });
});
