/**
 * Kernel and gradient configs of the fused BiLSTM sequence, listed in ../registry.ts: forward and
 * backward on cpu and wasm; forward only on webgpu (shaders/bilstm_seq.wgsl), so training on webgpu
 * keeps the stage's per-step tf ops (`hasBiLstmKernel` is false there under a gradient tape).
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type GradConfig, type KernelConfig, type Tensor, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { SOFTWARE_BACKENDS, writeF32, input } from '../backend_io.ts';
import { runFlatProgram } from '../webgpu_program.ts';
import { BILSTM_LAYER, BILSTM_SEQ, BILSTM_SEQ_GRAD, WEBGPU_MAX_HIDDEN } from './bilstm.ts';
import { biLstmBackward, biLstmForward, type BiLstmDims } from './reference.ts';
import { simdFor } from '../simd/simd.ts';
import { gemmTs, onHeap } from '../simd/host_gemm.ts';
import { biLstmBackwardSimd, biLstmForwardSimd } from './simd_kernel.ts';
import commonWgsl from '../../../shaders/recurrent_common.wgsl?raw';
import seqWgsl from '../../../shaders/bilstm_seq.wgsl?raw';

function dims(proj: TensorInfo, hidden: number): BiLstmDims {
  return { steps: proj.shape[0]!, batch: proj.shape[1]!, hidden };
}

/** Lanes of one workgroup: a power of two covering H (each lane owns units lane, lane + LANES, …), at
 *  most 256 (WebGPU's default limit of invocations per workgroup). */
export function biLstmLanes(hidden: number): number {
  let lanes = 32;
  while (lanes < hidden && lanes < 256) lanes *= 2;
  return lanes;
}

const webgpuKernel: KernelConfig = {
  kernelName: BILSTM_SEQ,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const proj = input(inputs, 'proj');
    const wRec = input(inputs, 'wRec');
    const { hidden, save } = attrs as unknown as { hidden: number; save: boolean };
    if (save) throw new InvalidArgumentError('biLstmSequence: no gradient on webgpu; training there runs the per-step ops (hasBiLstmKernel)');
    if (hidden > WEBGPU_MAX_HIDDEN) throw new InvalidArgumentError(`biLstmSequence: hidden ${hidden} exceeds ${WEBGPU_MAX_HIDDEN} on webgpu (workgroup memory)`);
    const [steps, batch] = proj.shape as [number, number];
    const lanes = biLstmLanes(hidden);
    return runFlatProgram(
      backend as WebGPUBackend,
      {
        // H sizes the workgroup arrays, so it is part of the program text and of the key.
        shaderKey: `webstr_bilstm_seq_h${hidden}`,
        prelude: `const HID : i32 = ${hidden};\nconst LANES : i32 = ${lanes};\n${commonWgsl}`,
        source: seqWgsl,
        variableNames: ['proj', 'wRec'],
        outputShape: [steps, batch, 2 * hidden],
        uniforms: [
          { name: 'numSteps', type: 'i32' },
          { name: 'numBatch', type: 'i32' },
        ],
        workgroupSize: lanes,
        invocations: 2 * batch * lanes,
      },
      [proj, wRec],
      'float32',
      [steps, batch],
    );
  },
};

const softwareKernels: KernelConfig[] = SOFTWARE_BACKENDS.flatMap((name): KernelConfig[] => [
  {
    kernelName: BILSTM_SEQ,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const proj = input(inputs, 'proj');
      const wRec = input(inputs, 'wRec');
      const { hidden, save } = attrs as unknown as { hidden: number; save: boolean };
      const d = dims(proj, hidden);
      const [t, b] = [d.steps, d.batch];
      const simd = simdFor(backend, name);
      if (simd !== null) {
        const y = writeF32(backend, name, [t, b, 2 * hidden], () => undefined);
        if (!save) {
          biLstmForwardSimd(simd, d, { proj, wRec, y, gates: null, cells: null });
          return y;
        }
        const g = writeF32(backend, name, [t, b, 8 * hidden], () => undefined);
        const c = writeF32(backend, name, [t, b, 2 * hidden], () => undefined);
        biLstmForwardSimd(simd, d, { proj, wRec, y, gates: g, cells: c });
        return [y, g, c];
      }
      if (!save) return writeF32(backend, name, [t, b, 2 * hidden], (y, read) => biLstmForward(d, read.f32(proj), read.f32(wRec), y, null, null));
      // Allocate every output before taking any heap view (allocating may grow and detach the heap).
      const g = writeF32(backend, name, [t, b, 8 * hidden], () => undefined);
      const c = writeF32(backend, name, [t, b, 2 * hidden], () => undefined);
      const y = writeF32(backend, name, [t, b, 2 * hidden], (yv, read) => {
        biLstmForward(d, read.f32(proj), read.f32(wRec), yv, read.f32(g), read.f32(c));
      });
      return [y, g, c];
    },
  },
  {
    kernelName: BILSTM_SEQ_GRAD,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const wRec = input(inputs, 'wRec');
      const y = input(inputs, 'y');
      const gates = input(inputs, 'gates');
      const cells = input(inputs, 'cells');
      const { hidden } = attrs as unknown as { hidden: number };
      const d = dims(dy, hidden);
      const simd = simdFor(backend, name);
      if (simd !== null) {
        const dWRec = writeF32(backend, name, wRec.shape, () => undefined);
        const dProj = writeF32(backend, name, [d.steps, d.batch, 8 * hidden], () => undefined);
        biLstmBackwardSimd(simd, d, { dy, wRec, y, gates, cells, dProj, dWRec });
        return [dProj, dWRec];
      }
      const dW = writeF32(backend, name, wRec.shape, () => undefined);
      const dProj = writeF32(backend, name, [d.steps, d.batch, 8 * hidden], (dp, read) =>
        biLstmBackward(d, read.f32(dy), read.f32(wRec), read.f32(y), read.f32(gates), read.f32(cells), dp, read.f32(dW)),
      );
      return [dProj, dW];
    },
  },
]);

/** One layer at inference on wasm: the projection and the recurrence in one wasm call (wasm/simd.c bilstm_layer). */
const wasmLayerKernel: KernelConfig = {
  kernelName: BILSTM_LAYER,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x');
    const wX = input(inputs, 'wX');
    const bias = input(inputs, 'bias');
    const wRec = input(inputs, 'wRec');
    const { hidden } = attrs as unknown as { hidden: number };
    const [steps, batch, inF] = x.shape as [number, number, number];
    const d: BiLstmDims = { steps, batch, hidden };
    const simd = simdFor(backend, 'wasm');
    if (simd !== null && hidden % 4 === 0) {
      const y = writeF32(backend, 'wasm', [steps, batch, 2 * hidden], () => undefined);
      onHeap(simd, 8 * steps * batch * hidden + 8 * hidden * hidden + 8 * batch * hidden, ({ scratch }) =>
        simd.bilstmLayer(steps, batch, inF, hidden, simd.offset(x), simd.offset(wX), simd.offset(bias), simd.offset(wRec), simd.offset(y), 4 * scratch.o),
      );
      return y;
    }
    return writeF32(backend, 'wasm', [steps, batch, 2 * hidden], (out, read) => {
      // proj = bias + x·wX in TypeScript, then the recurrence of the cpu kernel.
      const rows = steps * batch;
      const proj = new Float32Array(rows * 8 * hidden);
      const b = read.f32(bias);
      for (let r = 0; r < rows; r++) proj.set(b, r * 8 * hidden);
      gemmTs(rows, 8 * hidden, inF, { a: read.f32(x), o: 0 }, inF, { a: read.f32(wX), o: 0 }, 8 * hidden, { a: proj, o: 0 }, 8 * hidden);
      biLstmForward(d, proj, read.f32(wRec), out, null, null);
    });
  },
};

export const biLstmKernels: KernelConfig[] = [webgpuKernel, ...softwareKernels, wasmLayerKernel];

export const biLstmGrad: GradConfig = {
  kernelName: BILSTM_SEQ,
  inputsToSave: ['wRec'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [wRec, y, gates, cells] = saved as [Tensor, Tensor, Tensor, Tensor];
    const dy = (Array.isArray(dys) ? dys[0] : dys) ?? tf.zerosLike(y);
    const { hidden } = attrs as unknown as { hidden: number };
    // One backward kernel gives both gradients: run it here (the gradient pass's own scope disposes
    // whichever result no input asks for) rather than once per input closure.
    const [dProj, dW] = tf.engine().runKernel<Tensor[]>(BILSTM_SEQ_GRAD, { dy, wRec, y, gates, cells }, { hidden }) as [Tensor, Tensor];
    return { proj: () => dProj, wRec: () => dW };
  },
};
