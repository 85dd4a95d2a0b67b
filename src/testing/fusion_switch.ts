/**
 * The shared check of an inference-only wasm fusion: `can()` is true on wasm, false once `setEnabled(false)`,
 * false under a gradient tape (training keeps the per-layer kernels, which have gradients) and false on cpu.
 * Leaves the fusion on and the wasm backend current.
 */
import { expect } from 'vitest';
import { tf, type Tensor } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';

export async function expectInferenceOnWasmOnly(can: () => boolean, setEnabled: (on: boolean) => void): Promise<void> {
  await initBackend('wasm');
  expect(can()).toBe(true);
  setEnabled(false);
  expect(can()).toBe(false);
  setEnabled(true);
  const v = tf.ones([2]);
  tf.grad((t: Tensor) => {
    expect(can()).toBe(false);
    return tf.sum(t);
  })(v).dispose();
  v.dispose();
  await initBackend('cpu');
  expect(can()).toBe(false);
  await initBackend('wasm');
}
