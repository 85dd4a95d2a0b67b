/** Kernel and gradient configs of hardSwish, listed in ../registry.ts. */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf, type GradConfig, type KernelConfig, type Tensor } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, writeF32, input } from '../backend_io.ts';
import { runFlatProgram } from '../webgpu_program.ts';
import { simdFor } from '../simd/simd.ts';
import { HARD_SWISH, HARD_SWISH_GRAD } from './hard_swish.ts';
import { hardSwishBackward, hardSwishForward } from './reference.ts';
import forwardWgsl from '../../../shaders/hard_swish.wgsl?raw';
import backwardWgsl from '../../../shaders/hard_swish_grad.wgsl?raw';

const webgpuKernels: KernelConfig[] = [
  {
    kernelName: HARD_SWISH,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const x = input(inputs, 'x');
      return runFlatProgram(
        backend as WebGPUBackend,
        { shaderKey: 'webstr_hard_swish', source: forwardWgsl, variableNames: ['x'], outputShape: x.shape },
        [x],
        'float32',
      );
    },
  },
  {
    kernelName: HARD_SWISH_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const dy = input(inputs, 'dy');
      const x = input(inputs, 'x');
      return runFlatProgram(
        backend as WebGPUBackend,
        { shaderKey: 'webstr_hard_swish_grad', source: backwardWgsl, variableNames: ['dy', 'x'], outputShape: x.shape },
        [dy, x],
        'float32',
      );
    },
  },
];

const softwareKernels: KernelConfig[] = SOFTWARE_BACKENDS.flatMap((name): KernelConfig[] => [
  {
    kernelName: HARD_SWISH,
    backendName: name,
    kernelFunc: ({ inputs, backend }) => {
      const x = input(inputs, 'x');
      const simd = simdFor(backend, name);
      if (simd !== null) {
        const y = writeF32(backend, name, x.shape, () => undefined);
        simd.hardSwish(x.shape.reduce((a, b) => a * b, 1), simd.offset(x), simd.offset(y));
        return y;
      }
      // Input views are taken inside `fill`, after the output is allocated: on wasm, malloc may grow the
      // heap and detach a view taken earlier (seen on CRNN feature maps of width 320).
      return writeF32(backend, name, x.shape, (y, read) => hardSwishForward(read.f32(x), y));
    },
  },
  {
    kernelName: HARD_SWISH_GRAD,
    backendName: name,
    kernelFunc: ({ inputs, backend }) => {
      const dy = input(inputs, 'dy');
      const x = input(inputs, 'x');
      const simd = simdFor(backend, name);
      if (simd !== null) {
        const dx = writeF32(backend, name, x.shape, () => undefined);
        simd.hardSwishGrad(x.shape.reduce((a, b) => a * b, 1), simd.offset(dy), simd.offset(x), simd.offset(dx));
        return dx;
      }
      return writeF32(backend, name, x.shape, (dx, read) => hardSwishBackward(read.f32(dy), read.f32(x), dx));
    },
  },
]);

export const hardSwishKernels: KernelConfig[] = [...webgpuKernels, ...softwareKernels];

export const hardSwishGrad: GradConfig = {
  kernelName: HARD_SWISH,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.engine().runKernel<Tensor>(HARD_SWISH_GRAD, { dy: dy as Tensor, x: x! }) };
  },
};
