/** Kernel configs of the fused SVTR neck (cpu and wasm), listed in ../registry.ts. */
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, input, writeF32 } from '../backend_io.ts';
import { simdFor } from '../simd/simd.ts';
import { gemmTs, onHeap, type Ref } from '../simd/host_gemm.ts';
import { neckScratchFloats, svtrNeck, type NeckBlockRefs, type NeckDims } from './neck.ts';
import { BLOCK_PARTS, SVTR_NECK } from './svtr_neck.ts';

interface Attrs {
  heads: number;
  kernel: number;
  depth: number;
  lnEps: number;
  finalLnEps: number;
}

const svtrNeckKernels: KernelConfig[] = SOFTWARE_BACKENDS.map(
  (name): KernelConfig => ({
    kernelName: SVTR_NECK,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const a = attrs as unknown as Attrs;
      const x = input(inputs, 'x');
      const t = (n: string): TensorInfo => input(inputs, n);
      const [T, B, C] = x.shape as [number, number, number];
      const d: NeckDims = {
        batch: B,
        frames: T,
        channels: C,
        mid: t('c0W').shape[3]!,
        hidden: t('c1W').shape[3]!,
        heads: a.heads,
        mlp: t('b0fc1W').shape[1]!,
        dims: t('c4W').shape[3]!,
        kernel: a.kernel,
        depth: a.depth,
        lnEps: a.lnEps,
        finalLnEps: a.finalLnEps,
      };
      const shape = [T, B, d.dims];
      const refs = (ref: (x: TensorInfo) => Ref) => ({
        x: ref(x),
        convW: [0, 1, 2, 3, 4].map((j) => ref(t(`c${j}W`))),
        convB: [0, 1, 2, 3, 4].map((j) => ref(t(`c${j}B`))),
        blocks: Array.from({ length: a.depth }, (_, i) => {
          const r = {} as Record<string, Ref>;
          for (const p of BLOCK_PARTS) {
            const key = p === 'norm1' ? ['ln1g', 'ln1b'] : p === 'norm2' ? ['ln2g', 'ln2b'] : [`${p}W`, `${p}B`];
            r[key[0]!] = ref(t(`b${i}${p}W`));
            r[key[1]!] = ref(t(`b${i}${p}B`));
          }
          return r as unknown as NeckBlockRefs;
        }),
        normG: ref(t('normG')),
        normB: ref(t('normB')),
      });
      const simd = simdFor(backend, name);
      if (simd !== null) {
        // Everything on the backend's heap (onHeap: the SIMD GEMM over byte offsets).
        const out = writeF32(backend, name, shape, () => undefined);
        onHeap(simd, neckScratchFloats(d), ({ scratch, ref, gemm }) => svtrNeck(d, { ...refs(ref), out: ref(out), scratch }, gemm));
        return out;
      }
      return writeF32(backend, name, shape, (out, read) => {
        const ref = (u: TensorInfo): Ref => ({ a: read.f32(u), o: 0 });
        svtrNeck(d, { ...refs(ref), out: { a: out, o: 0 }, scratch: { a: new Float32Array(neckScratchFloats(d)), o: 0 } }, gemmTs);
      });
    },
  }),
);

export { svtrNeckKernels };
