/** The wasm kernels of batchNormAct and its gradient (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type GradConfig, type KernelConfig, type Tensor, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor, type SimdHeap } from '../simd/simd.ts';
import { BN_ACT, BN_ACT_GRAD } from './batch_norm.ts';

interface Attrs {
  eps: number;
  act: number;
}

function heap(backend: object): SimdHeap {
  const simd = simdFor(backend, 'wasm');
  if (simd === null) throw new InvalidArgumentError('batchNormAct: the wasm SIMD module is not available here');
  return simd;
}

export const batchNormKernels: KernelConfig[] = [
  {
    kernelName: BN_ACT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { y, gamma, beta } = inputs as Record<'y' | 'gamma' | 'beta', TensorInfo>;
      const { eps, act } = attrs as unknown as Attrs;
      const simd = heap(backend);
      const wasm = backend as BackendWasm;
      const c = y.shape[y.shape.length - 1]!;
      const r = y.shape.reduce((a, b) => a * b, 1) / c;
      const out = wasm.makeOutput([...y.shape], 'float32');
      const mean = wasm.makeOutput([c], 'float32');
      const variance = wasm.makeOutput([c], 'float32');
      const scratch = simd.malloc(2 * c);
      try {
        simd.bnStats(r, c, simd.offset(y), simd.offset(mean), simd.offset(variance));
        simd.bnAct(r, c, simd.offset(y), simd.offset(mean), simd.offset(variance), simd.offset(gamma), simd.offset(beta), eps, act, simd.offset(out), scratch);
      } finally {
        simd.free(scratch);
      }
      return [out, mean, variance];
    },
  },
  {
    kernelName: BN_ACT_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dout, y, mean, variance, gamma, beta } = inputs as Record<'dout' | 'y' | 'mean' | 'variance' | 'gamma' | 'beta', TensorInfo>;
      const { eps, act } = attrs as unknown as Attrs;
      const simd = heap(backend);
      const wasm = backend as BackendWasm;
      const c = y.shape[y.shape.length - 1]!;
      const r = y.shape.reduce((a, b) => a * b, 1) / c;
      const dy = wasm.makeOutput([...y.shape], 'float32');
      const dgamma = wasm.makeOutput([c], 'float32');
      const dbeta = wasm.makeOutput([c], 'float32');
      const scratch = simd.malloc(4 * c);
      try {
        simd.bnActGrad(r, c, simd.offset(y), simd.offset(dout), simd.offset(mean), simd.offset(variance), simd.offset(gamma), simd.offset(beta), eps, act,
          simd.offset(dy), simd.offset(dgamma), simd.offset(dbeta), scratch);
      } finally {
        simd.free(scratch);
      }
      return [dy, dgamma, dbeta];
    },
  },
];

export const batchNormActGrad: GradConfig = {
  kernelName: BN_ACT,
  inputsToSave: ['y', 'gamma', 'beta'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [y, gamma, beta, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
    // Only the normalised output carries a gradient: the statistics feed the running averages alone.
    const dout = (Array.isArray(dys) ? dys[0] : dys) ?? tf.zerosLike(y);
    const [dy, dgamma, dbeta] = tf.engine().runKernel<Tensor[]>(BN_ACT_GRAD, { dout, y, mean, variance, gamma, beta }, { ...(attrs as unknown as Attrs) }) as [Tensor, Tensor, Tensor];
    return { y: () => dy, gamma: () => dgamma, beta: () => dbeta };
  },
};
