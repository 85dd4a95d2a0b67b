/**
 * tfjs-backend-wasm 4.22's BatchMatMul is fast (XNNPACK) only for one untransposed product: with
 * `transposeA` or `transposeB`, or a batch of several products, it takes a naive loop, 10–30× slower
 * (measured: [768,128]ᵀ·[768,512] 101 ms vs 4.6 ms; a training step of the tiny CRNN 1.16 s → 0.40 s;
 * `npm run perf -- train` compares both in one run). Every matMul
 * gradient is a transposed product (dA = dy·Bᵀ, dB = Aᵀ·dy), so training on wasm spent most of its
 * time there. This wrapper of the backend's own kernel transposes the operands and multiplies
 * untransposed. The transposes run in our SIMD module (4×4 register blocks; tfjs-wasm's Transpose took
 * longer than the product itself: [12800, 96] 7.4 ms against 6.1 ms for the product, ~1 ms in SIMD), or
 * with the backend's Transpose where the module is unavailable. Batched products keep the loop. Same
 * sums in another order: results differ by float rounding only (wasm_matmul.test.ts).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type KernelConfig, type KernelFunc, type TensorInfo } from '../../runtime/tf.ts';
import { simdFor } from '../simd/simd.ts';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** The backend's own kernel, once wrapped (for `setWasmMatMulFastPath`). */
let wrapped: { original: KernelConfig; wrapper: KernelConfig } | null = null;

/**
 * Switches the wrapper off (the backend's own kernel) and on again: for before/after measurements
 * (`npm run perf -- train`). No-op before `registerAllKernels()` (startEngine calls it).
 */
export function setWasmMatMulFastPath(on: boolean): void {
  if (wrapped === null) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(on ? wrapped.wrapper : wrapped.original);
}

let simdTranspose = true;

/** Switches the SIMD transpose off (tfjs-wasm's Transpose) and on: for before/after measurements. */
export function setWasmMatMulSimdTranspose(on: boolean): void {
  simdTranspose = on;
}

export function wasmBatchMatMulWrapper(original: KernelConfig): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
    const batchA = product(a.shape.slice(0, -2));
    const batchB = product(b.shape.slice(0, -2));
    const call = (x: TensorInfo, y: TensorInfo, ta: boolean, tb: boolean): TensorInfo =>
      inner({ inputs: { a: x, b: y }, backend, attrs: { transposeA: ta, transposeB: tb } }) as TensorInfo;
    const transpose = tf.getKernel('Transpose', 'wasm').kernelFunc;
    const simd = simdTranspose ? simdFor(backend, 'wasm') : null;
    const swapLast = (t: TensorInfo): TensorInfo => {
      if (simd !== null) {
        // Only reached for batch-1 operands: a plain 2-D transpose of the last two axes.
        const [r, c] = t.shape.slice(-2) as [number, number];
        const out = (backend as BackendWasm).makeOutput([...t.shape.slice(0, -2), c, r], 'float32');
        simd.transpose(r, c, simd.offset(t), simd.offset(out));
        return out;
      }
      const perm = t.shape.map((_, i) => i);
      const n = perm.length;
      [perm[n - 2], perm[n - 1]] = [perm[n - 1]!, perm[n - 2]!];
      return transpose({ inputs: { x: t }, backend, attrs: { perm } }) as TensorInfo;
    };
    if (batchA === 1 && batchB === 1) {
      if (!transposeA && !transposeB) return call(a, b, false, false);
      // out = op(A)·op(B) [M, N], or outᵀ = op(B)ᵀ·op(A)ᵀ [N, M] transposed back: whichever copies
      // fewer floats (the transposes, and the right operand the fast path packs each call).
      const [ra, ca] = a.shape.slice(-2) as [number, number];
      const [rb, cb] = b.shape.slice(-2) as [number, number];
      const M = transposeA ? ca : ra;
      const K = transposeA ? ra : ca;
      const N = transposeB ? rb : cb;
      const direct = (transposeA ? M * K : 0) + (transposeB ? K * N : 0) + K * N;
      const swapped = (transposeA ? 0 : M * K) + (transposeB ? 0 : K * N) + M * N + K * M;
      const owned: TensorInfo[] = [];
      const own = (t: TensorInfo): TensorInfo => (owned.push(t), t);
      let out: TensorInfo;
      if (direct <= swapped) {
        out = call(transposeA ? own(swapLast(a)) : a, transposeB ? own(swapLast(b)) : b, false, false);
      } else {
        out = swapLast(own(call(transposeB ? b : own(swapLast(b)), transposeA ? a : own(swapLast(a)), false, false)));
      }
      for (const t of owned) (backend as BackendWasm).disposeData(t.dataId);
      return out;
    }
    // Batched products stay on the loop: one fast-path call per slice costs more (it packs the
    // right operand each call: 32 × [1,26]·[26,256] took 21 ms instead of 0.3 ms).
    return call(a, b, transposeA, transposeB);
  };
  const wrapper: KernelConfig = { kernelName: original.kernelName, backendName: original.backendName, ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}), kernelFunc };
  wrapped = { original, wrapper };
  return wrapper;
}
