/** Kernel configs of the fused greedy attention decoder (cpu and wasm), listed in ../registry.ts. */
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, input, writeF32 } from '../backend_io.ts';
import { simdFor } from '../simd/simd.ts';
import { ATTENTION_DECODE } from './attention_decode.ts';
import { attentionDecode, gemmTs, scratchFloats, type DecodeCell, type DecodeDims, type Gemm, type Ref } from './decode.ts';

const NAMES = ['hs', 'proj', 'h2hW', 'h2hB', 'score', 'wCtx', 'wEmb', 'wHh', 'bHh', 'genW', 'genB'] as const;
type Name = (typeof NAMES)[number];

export const attentionDecodeKernels: KernelConfig[] = SOFTWARE_BACKENDS.map(
  (name): KernelConfig => ({
    kernelName: ATTENTION_DECODE,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const t = Object.fromEntries(NAMES.map((n) => [n, input(inputs, n)])) as Record<Name, TensorInfo>;
      const classBias = inputs.classBias ?? null;
      const { cell, steps } = attrs as unknown as { cell: DecodeCell; steps: number };
      const [batch, frames, features] = t.hs.shape as [number, number, number];
      const d: DecodeDims = { batch, frames, features, hidden: t.h2hB.shape[0]!, classes: t.genB.shape[0]!, steps, cell };
      const shape = [batch, steps, d.classes];
      const simd = simdFor(backend, name);
      if (simd !== null) {
        // Everything on the backend's heap: the SIMD GEMM takes byte offsets. Views after the malloc.
        const out = writeF32(backend, name, shape, () => undefined);
        const base = simd.malloc(scratchFloats(d));
        try {
          const heap = simd.f32();
          const ref = (x: TensorInfo): Ref => ({ a: heap, o: simd.offset(x) >>> 2 });
          const gemm: Gemm = (m, n, k, a, lda, b, ldb, c, ldc) => simd.nn(m, n, k, 4 * a.o, lda, 4 * b.o, ldb, 4 * c.o, ldc);
          const buf = Object.fromEntries(NAMES.map((n) => [n, ref(t[n])])) as Record<Name, Ref>;
          attentionDecode(d, { ...buf, classBias: classBias === null ? null : ref(classBias), out: ref(out), scratch: { a: heap, o: base >>> 2 } }, gemm);
        } finally {
          simd.free(base);
        }
        return out;
      }
      return writeF32(backend, name, shape, (out, read) => {
        const ref = (x: TensorInfo): Ref => ({ a: read.f32(x), o: 0 });
        const buf = Object.fromEntries(NAMES.map((n) => [n, ref(t[n])])) as Record<Name, Ref>;
        const scratch = { a: new Float32Array(scratchFloats(d)), o: 0 };
        attentionDecode(d, { ...buf, classBias: classBias === null ? null : ref(classBias), out: { a: out, o: 0 }, scratch }, gemmTs);
      });
    },
  }),
);
