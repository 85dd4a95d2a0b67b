/** Kernel configs of the fused greedy attention decoder (cpu, wasm and webgpu), listed in ../registry.ts. */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type KernelConfig, type NamedTensorInfoMap, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { SOFTWARE_BACKENDS, input, writeF32 } from '../backend_io.ts';
import { simdFor } from '../simd/simd.ts';
import { runFlatProgram } from '../webgpu_program.ts';
import { ATTENTION_DECODE, webgpuDecodeLayout } from './attention_decode.ts';
import commonWgsl from '../../../shaders/recurrent_common.wgsl?raw';
import decodeWgsl from '../../../shaders/attention_decode.wgsl?raw';
import { onHeap } from '../simd/host_gemm.ts';
import { attentionDecode, gemmTs, scratchFloats, type DecodeCell, type DecodeDims, type Ref } from './decode.ts';

const NAMES = ['hs', 'proj', 'h2hW', 'h2hB', 'score', 'wCtx', 'wEmb', 'wHh', 'bHh', 'genW', 'genB'] as const;
type Name = (typeof NAMES)[number];

const webgpuKernel: KernelConfig = {
  kernelName: ATTENTION_DECODE,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const t = Object.fromEntries(NAMES.map((n) => [n, input(inputs, n)])) as Record<Name, TensorInfo>;
    const classBias = inputs.classBias ?? null;
    const { cell, steps } = attrs as unknown as { cell: DecodeCell; steps: number };
    const [batch, frames, features] = t.hs.shape as [number, number, number];
    const hidden = t.h2hB.shape[0]!;
    const classes = t.genB.shape[0]!;
    const layout = webgpuDecodeLayout({ frames, features, hidden });
    if (layout === null) {
      throw new InvalidArgumentError(`attentionDecode: T ${frames}, D ${features}, H ${hidden} exceed the webgpu kernel's workgroup memory (canFuseAttentionDecode)`);
    }
    const consts = [`const HID : i32 = ${hidden};`, `const FEAT : i32 = ${features};`, `const MAX_T : i32 = ${layout.maxT};`, `const LANES : i32 = ${layout.lanes};`, `const CELL : i32 = ${cell === 'gru' ? 0 : 1};`];
    // WebGPU guarantees 8 storage buffers per shader: hs and proj go in as one tensor, the vectors as
    // another (two small concats per call; the big matrices are read where they are).
    const be = backend as WebGPUBackend;
    const concat = tf.getKernel('Concat', 'webgpu');
    if (concat === undefined) throw new Error('attentionDecode: the webgpu backend has no Concat kernel');
    // tfjs's Concat takes its inputs as an array (ConcatInputs), not by name.
    const join = (xs: TensorInfo[], axis: number): TensorInfo =>
      concat.kernelFunc({ inputs: xs as unknown as NamedTensorInfoMap, backend, attrs: { axis } }) as TensorInfo;
    const vecList = [t.h2hB, t.score, t.bHh, t.genB, ...(classBias === null ? [] : [classBias])];
    const hsProj = join([t.hs, t.proj], 2);
    const vecs = join(
      vecList.map((v) => ({ ...v, shape: [v.shape.reduce((a, b) => a * b, 1)] })),
      0,
    );
    try {
      return runFlatProgram(
        be,
        {
          // The constants size the workgroup arrays: part of the program text and of the key.
          shaderKey: `webstr_attention_decode_${cell}_h${hidden}_d${features}_t${layout.maxT}_l${layout.lanes}`,
          prelude: `${consts.join('\n')}\n${commonWgsl}`,
          source: decodeWgsl,
          variableNames: ['hsProj', 'vecs', 'h2hW', 'wCtx', 'wEmb', 'wHh', 'genW'],
          outputShape: [batch, steps, classes],
          uniforms: [
            { name: 'numBatch', type: 'i32' },
            { name: 'numFrames', type: 'i32' },
            { name: 'numClasses', type: 'i32' },
            { name: 'numSteps', type: 'i32' },
            { name: 'useBias', type: 'i32' },
          ],
          workgroupSize: layout.lanes,
          invocations: batch * layout.lanes,
        },
        [hsProj, vecs, t.h2hW, t.wCtx, t.wEmb, t.wHh, t.genW],
        'float32',
        [batch, frames, classes, steps, classBias === null ? 0 : 1],
      );
    } finally {
      be.disposeData(hsProj.dataId);
      be.disposeData(vecs.dataId);
    }
  },
};

const softwareKernels: KernelConfig[] = SOFTWARE_BACKENDS.map(
  (name): KernelConfig => ({
    kernelName: ATTENTION_DECODE,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const t = Object.fromEntries(NAMES.map((n) => [n, input(inputs, n)])) as Record<Name, TensorInfo>;
      const classBias = inputs.classBias ?? null;
      const { cell, steps, eos } = attrs as unknown as { cell: DecodeCell; steps: number; eos?: number };
      const [batch, frames, features] = t.hs.shape as [number, number, number];
      const d: DecodeDims = { batch, frames, features, hidden: t.h2hB.shape[0]!, classes: t.genB.shape[0]!, steps, cell, eos: eos ?? -1 };
      const shape = [batch, steps, d.classes];
      const simd = simdFor(backend, name);
      if (simd !== null) {
        // Everything on the backend's heap (onHeap: the SIMD GEMM over byte offsets).
        const out = writeF32(backend, name, shape, () => undefined);
        onHeap(simd, scratchFloats(d), ({ scratch, ref, gemm }) => {
          const buf = Object.fromEntries(NAMES.map((n) => [n, ref(t[n])])) as Record<Name, Ref>;
          attentionDecode(d, { ...buf, classBias: classBias === null ? null : ref(classBias), out: ref(out), scratch }, gemm);
        });
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

export const attentionDecodeKernels: KernelConfig[] = [webgpuKernel, ...softwareKernels];
