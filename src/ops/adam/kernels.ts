/** cpu/wasm twin kernels of adamStep (listed in ../registry.ts). */
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, writeF32 } from '../backend_io.ts';
import { ADAM_STEP, type AdamStepAttrs } from './adam.ts';

export function adamUpdate(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, a: AdamStepAttrs, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array): void {
  const decay = a.decoupled ? 1 - a.lr * a.wd : 1;
  const l2 = a.decoupled ? 0 : a.wd;
  const step = a.lr / a.bc1;
  const sbc2 = Math.sqrt(a.bc2);
  for (let i = 0; i < p.length; i++) {
    const pi = Math.fround(p[i]! * decay);
    const gi = g[i]! + l2 * pi;
    const mi = Math.fround(a.beta1 * m[i]! + (1 - a.beta1) * gi);
    const vi = Math.fround(a.beta2 * v[i]! + (1 - a.beta2) * gi * gi);
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = pi - (step * mi) / (Math.sqrt(vi) / sbc2 + a.eps);
  }
}

export const adamKernels: KernelConfig[] = SOFTWARE_BACKENDS.map(
  (name): KernelConfig => ({
    kernelName: ADAM_STEP,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { p, m, v, g } = inputs as Record<'p' | 'm' | 'v' | 'g', TensorInfo>;
      const a = attrs as unknown as AdamStepAttrs;
      // Allocate all three outputs before any input view is taken (the wasm heap may grow).
      const mOut = writeF32(backend, name, p.shape, () => undefined);
      const vOut = writeF32(backend, name, p.shape, () => undefined);
      const pOut = writeF32(backend, name, p.shape, (po, read) => adamUpdate(read.f32(p), read.f32(m), read.f32(v), read.f32(g), a, po, read.f32(mOut), read.f32(vOut)));
      return [pOut, mOut, vOut];
    },
  }),
);
