/**
 * Kernel and gradient configs of ctcLoss, listed in ../registry.ts.
 *
 * webgpu: forward = α program (per sample, [B, T, S+1]) → nll program ([B]); backward = α → β
 * (per sample, [B, T, S]) → gradient program (per logit, [B, T, C]). The intermediates are disposed
 * inside the kernel, so the op's tensors are only its inputs and output. cpu/wasm: the TS twin in
 * reference.ts.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type GradConfig, type KernelConfig, type Tensor, type TensorInfo } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, writeF32, input } from '../backend_io.ts';
import { runFlatProgram, type UniformSpec } from '../webgpu_program.ts';
import { CTC_LOSS, CTC_LOSS_GRAD, type CtcAttrs } from './ctc_loss.ts';
import { ctcBackward, ctcForward, type CtcDims } from './reference.ts';
import commonWgsl from '../../../shaders/ctc_loss_common.wgsl?raw';
import alphaWgsl from '../../../shaders/ctc_loss_alpha.wgsl?raw';
import nllWgsl from '../../../shaders/ctc_loss_nll.wgsl?raw';
import betaWgsl from '../../../shaders/ctc_loss_beta.wgsl?raw';
import gradWgsl from '../../../shaders/ctc_loss_grad.wgsl?raw';

function ctcAttrs(attrs: tf.NamedAttrMap | undefined): CtcAttrs {
  const a = (attrs ?? {}) as Partial<CtcAttrs>;
  return { blank: a.blank ?? 0, zeroInfinity: a.zeroInfinity ?? true };
}

function dimsOf(logits: TensorInfo, labels: TensorInfo): CtcDims {
  const [B, T, C] = logits.shape as [number, number, number];
  return { B, T, C, L: labels.shape[1]! };
}

// ---- webgpu -------------------------------------------------------------------------------------

const UNIFORMS: UniformSpec[] = [
  { name: 'numBatch', type: 'i32' },
  { name: 'numFrames', type: 'i32' },
  { name: 'numClasses', type: 'i32' },
  { name: 'maxLabel', type: 'i32' },
  { name: 'blank', type: 'i32' },
  { name: 'zeroInfinity', type: 'i32' },
];

/**
 * Runs one CTC program. `perSample` programs get B invocations (each walks its sample's recursion and
 * writes its whole slice of the output); the others one per output element.
 */
function runCtcProgram(
  backend: WebGPUBackend,
  key: string,
  body: string,
  variableNames: string[],
  inputs: TensorInfo[],
  outputShape: number[],
  d: CtcDims,
  a: CtcAttrs,
  perSample: boolean,
): TensorInfo {
  return runFlatProgram(
    backend,
    {
      shaderKey: `webstr_ctc_${key}`,
      source: `${commonWgsl}\n${body}`,
      variableNames,
      outputShape,
      uniforms: UNIFORMS,
      ...(perSample ? { invocations: d.B } : {}),
    },
    inputs,
    'float32',
    [d.B, d.T, d.C, d.L, a.blank, a.zeroInfinity ? 1 : 0],
  );
}

function webgpuAlpha(backend: WebGPUBackend, ins: TensorInfo[], d: CtcDims, a: CtcAttrs): TensorInfo {
  const S = 2 * d.L + 1;
  return runCtcProgram(backend, 'alpha', alphaWgsl, ['logits', 'labels', 'labelLengths', 'inputLengths'], ins, [d.B, d.T, S + 1], d, a, true);
}

const webgpuKernels: KernelConfig[] = [
  {
    kernelName: CTC_LOSS,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as WebGPUBackend;
      const [logits, labels, labelLengths, inputLengths] = ['logits', 'labels', 'labelLengths', 'inputLengths'].map((n) => input(inputs, n)) as [
        TensorInfo,
        TensorInfo,
        TensorInfo,
        TensorInfo,
      ];
      const d = dimsOf(logits, labels);
      const a = ctcAttrs(attrs);
      const alpha = webgpuAlpha(be, [logits, labels, labelLengths, inputLengths], d, a);
      try {
        return runCtcProgram(be, 'nll', nllWgsl, ['alpha', 'labels', 'labelLengths', 'inputLengths'], [alpha, labels, labelLengths, inputLengths], [d.B], d, a, false);
      } finally {
        be.disposeData(alpha.dataId);
      }
    },
  },
  {
    kernelName: CTC_LOSS_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as WebGPUBackend;
      const [dy, logits, labels, labelLengths, inputLengths] = ['dy', 'logits', 'labels', 'labelLengths', 'inputLengths'].map((n) =>
        input(inputs, n),
      ) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
      const d = dimsOf(logits, labels);
      const a = ctcAttrs(attrs);
      const S = 2 * d.L + 1;
      const alpha = webgpuAlpha(be, [logits, labels, labelLengths, inputLengths], d, a);
      const beta = runCtcProgram(
        be,
        'beta',
        betaWgsl,
        ['logits', 'labels', 'labelLengths', 'inputLengths', 'alpha'],
        [logits, labels, labelLengths, inputLengths, alpha],
        [d.B, d.T, S],
        d,
        a,
        true,
      );
      try {
        return runCtcProgram(
          be,
          'grad',
          gradWgsl,
          ['dy', 'logits', 'labels', 'labelLengths', 'inputLengths', 'alpha', 'beta'],
          [dy, logits, labels, labelLengths, inputLengths, alpha, beta],
          [d.B, d.T, d.C],
          d,
          a,
          false,
        );
      } finally {
        be.disposeData(alpha.dataId);
        be.disposeData(beta.dataId);
      }
    },
  },
];

// ---- cpu / wasm -----------------------------------------------------------------------------------

const softwareKernels: KernelConfig[] = SOFTWARE_BACKENDS.flatMap((name): KernelConfig[] => [
  {
    kernelName: CTC_LOSS,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const logits = input(inputs, 'logits');
      const labels = input(inputs, 'labels');
      const d = dimsOf(logits, labels);
      return writeF32(backend, name, [d.B], (nll, read) =>
        ctcForward(
          read.f32(logits),
          read.i32(labels),
          read.i32(input(inputs, 'labelLengths')),
          read.i32(input(inputs, 'inputLengths')),
          d,
          ctcAttrs(attrs),
          nll,
        ),
      );
    },
  },
  {
    kernelName: CTC_LOSS_GRAD,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const logits = input(inputs, 'logits');
      const labels = input(inputs, 'labels');
      const d = dimsOf(logits, labels);
      return writeF32(backend, name, [d.B, d.T, d.C], (dx, read) =>
        ctcBackward(
          read.f32(input(inputs, 'dy')),
          read.f32(logits),
          read.i32(labels),
          read.i32(input(inputs, 'labelLengths')),
          read.i32(input(inputs, 'inputLengths')),
          d,
          ctcAttrs(attrs),
          dx,
        ),
      );
    },
  },
]);

export const ctcLossKernels: KernelConfig[] = [...webgpuKernels, ...softwareKernels];

export const ctcLossGrad: GradConfig = {
  kernelName: CTC_LOSS,
  inputsToSave: ['logits', 'labels', 'labelLengths', 'inputLengths'],
  gradFunc: (dy, saved, attrs) => {
    const [logits, labels, labelLengths, inputLengths] = saved as [Tensor, Tensor, Tensor, Tensor];
    return {
      logits: () =>
        tf.engine().runKernel<Tensor>(CTC_LOSS_GRAD, { dy: dy as Tensor, logits, labels, labelLengths, inputLengths }, attrs),
      labels: () => tf.zerosLike(labels),
      labelLengths: () => tf.zerosLike(labelLengths),
      inputLengths: () => tf.zerosLike(inputLengths),
    };
  },
};
