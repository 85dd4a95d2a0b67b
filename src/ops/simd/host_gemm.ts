/**
 * The GEMM that the fused host-loop kernels (attention decode, SVTR neck) are written against: buffers as
 * (array, float offset) pairs, C += A·B, in TypeScript for cpu, or the SIMD module's on the wasm heap
 * (`onHeap`: scratch from the backend's malloc, every view taken after it).
 */
import type { TensorInfo } from '../../runtime/tf.ts';
import type { SimdHeap } from './simd.ts';

/** A float buffer and the float offset where a tensor (or a row of it) starts in it. */
export interface Ref {
  a: Float32Array;
  o: number;
}

/** C[M, N] += A[M, K]·B[K, N], row-major, leading dimensions in floats. */
export type Gemm = (m: number, n: number, k: number, a: Ref, lda: number, b: Ref, ldb: number, c: Ref, ldc: number) => void;

/** C += A·B in TypeScript (the cpu kernel, and wasm where the SIMD module is not there). */
export const gemmTs: Gemm = (m, n, k, a, lda, b, ldb, c, ldc) => {
  const A = a.a;
  const B = b.a;
  const C = c.a;
  for (let i = 0; i < m; i++) {
    const ar = a.o + i * lda;
    const cr = c.o + i * ldc;
    for (let p = 0; p < k; p++) {
      const av = A[ar + p]!;
      if (av === 0) continue;
      const br = b.o + p * ldb;
      for (let j = 0; j < n; j++) C[cr + j] = C[cr + j]! + av * B[br + j]!;
    }
  }
};

/**
 * Runs `run` with `floats` floats of heap scratch, a view of the heap, `ref` for tensors on it and the SIMD
 * GEMM over Refs; frees the scratch afterwards. The views are taken after the malloc (which may grow the heap).
 */
export function onHeap<T>(simd: SimdHeap, floats: number, run: (h: { scratch: Ref; ref: (t: TensorInfo) => Ref; gemm: Gemm }) => T): T {
  const base = simd.malloc(floats);
  try {
    const heap = simd.f32();
    const ref = (t: TensorInfo): Ref => ({ a: heap, o: simd.offset(t) >>> 2 });
    const gemm: Gemm = (m, n, k, a, lda, b, ldb, c, ldc) => simd.nn(m, n, k, 4 * a.o, lda, 4 * b.o, ldb, 4 * c.o, ldc);
    return run({ scratch: { a: heap, o: base >>> 2 }, ref, gemm });
  } finally {
    simd.free(base);
  }
}
