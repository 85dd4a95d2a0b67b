/** The wasm kernel of pointwiseConvAct (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';
import { POINTWISE_ACT } from './pointwise_act.ts';

export const pointwiseActKernels: KernelConfig[] = [
  {
    kernelName: POINTWISE_ACT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, filter, bias, residual } = inputs as { x: TensorInfo; filter: TensorInfo; bias: TensorInfo; residual?: TensorInfo };
      const { act, scale6, shift } = attrs as unknown as { act: number; scale6: number; shift: number };
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('pointwiseConvAct: the wasm SIMD module is not available here');
      const [b, h, w, k] = x.shape as [number, number, number, number];
      const n = filter.shape[filter.shape.length - 1]!;
      const y = (backend as BackendWasm).makeOutput([b, h, w, n], 'float32');
      simd.pointwiseAct(b * h * w, n, k, simd.offset(x), simd.offset(filter), simd.offset(bias), residual === undefined ? 0 : simd.offset(residual), simd.offset(y), act, scale6, shift);
      return y;
    },
  },
];
