/** The wasm kernel of depthwiseConvAct (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';
import { DEPTHWISE_ACT } from './depthwise_act.ts';

export const depthwiseActKernels: KernelConfig[] = [
  {
    kernelName: DEPTHWISE_ACT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias: TensorInfo };
      const { strides, pad, act } = attrs as unknown as { strides: [number, number]; pad: [number, number, number, number]; act: number };
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('depthwiseConvAct: the wasm SIMD module is not available here');
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const [kh, kw] = filter.shape as [number, number];
      const oh = Math.floor((h + pad[0] + pad[1] - kh) / strides[0]) + 1;
      const ow = Math.floor((w + pad[2] + pad[3] - kw) / strides[1]) + 1;
      const y = (backend as BackendWasm).makeOutput([b, oh, ow, c], 'float32');
      simd.depthwiseAct(b, h, w, c, kh, kw, strides[0], strides[1], pad[0], pad[2], oh, ow, simd.offset(x), simd.offset(filter), simd.offset(bias), simd.offset(y), act);
      return y;
    },
  },
];
