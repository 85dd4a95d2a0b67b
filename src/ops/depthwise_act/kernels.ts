/** The wasm kernels of depthwiseConvAct and its gradient (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type GradConfig, type KernelConfig, type Tensor, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';
import { ACT_CODES, DEPTHWISE_ACT, DEPTHWISE_ACT_GRAD, HARD_SWISH_AFFINE, depthwiseRowsEnabled } from './depthwise_act.ts';

interface Attrs {
  strides: [number, number];
  pad: [number, number, number, number];
  act: number;
  /** Act 3 only (hard-swish then ·scale6 + shift). */
  scale6?: number;
  shift?: number;
}

function outSize(x: TensorInfo, filter: TensorInfo, a: Attrs): [number, number] {
  const [, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = filter.shape as [number, number];
  return [Math.floor((h + a.pad[0] + a.pad[1] - kh) / a.strides[0]) + 1, Math.floor((w + a.pad[2] + a.pad[3] - kw) / a.strides[1]) + 1];
}

export const depthwiseActKernels: KernelConfig[] = [
  {
    kernelName: DEPTHWISE_ACT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias: TensorInfo };
      const a = attrs as unknown as Attrs;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('depthwiseConvAct: the wasm SIMD module is not available here');
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const [kh, kw] = filter.shape as [number, number];
      const [oh, ow] = outSize(x, filter, a);
      const y = (backend as BackendWasm).makeOutput([b, oh, ow, c], 'float32');
      simd.depthwiseAct(b, h, w, c, kh, kw, a.strides[0], a.strides[1], a.pad[0], a.pad[2], oh, ow, simd.offset(x), simd.offset(filter), simd.offset(bias), simd.offset(y), a.act, a.scale6 ?? 1, a.shift ?? 0, depthwiseRowsEnabled() ? 1 : 0);
      return y;
    },
  },
  {
    kernelName: HARD_SWISH_AFFINE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: TensorInfo };
      const { scale6, shift } = attrs as unknown as { scale6: number; shift: number };
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('hardSwishAffine: the wasm SIMD module is not available here');
      const y = (backend as BackendWasm).makeOutput([...x.shape], 'float32');
      simd.hardSwishAffine(x.shape.reduce((p, d) => p * d, 1), simd.offset(x), simd.offset(y), scale6, shift);
      return y;
    },
  },
  {
    kernelName: DEPTHWISE_ACT_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, filter, y } = inputs as Record<'dy' | 'x' | 'filter' | 'y', TensorInfo>;
      const a = attrs as unknown as Attrs;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('depthwiseConvAct gradient: the wasm SIMD module is not available here');
      const wasm = backend as BackendWasm;
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const [kh, kw] = filter.shape as [number, number];
      const [oh, ow] = outSize(x, filter, a);
      const dx = wasm.makeOutput([...x.shape], 'float32');
      const dw = wasm.makeOutput([...filter.shape], 'float32');
      const db = wasm.makeOutput([c], 'float32');
      const part = simd.malloc(kh * kw * c + c);
      try {
        simd.depthwiseGrad(b, h, w, c, kh, kw, a.strides[0], a.strides[1], a.pad[0], a.pad[2], oh, ow,
          simd.offset(x), simd.offset(filter), simd.offset(dy), simd.offset(y), a.act, simd.offset(dx), simd.offset(dw), simd.offset(db), part);
      } finally {
        simd.free(part);
      }
      return [dx, dw, db];
    },
  },
];

export const depthwiseActGrad: GradConfig = {
  kernelName: DEPTHWISE_ACT,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [Tensor, Tensor, Tensor];
    const a = attrs as unknown as Attrs;
    if (a.act !== ACT_CODES.linear && a.act !== ACT_CODES.relu) throw new InvalidArgumentError('depthwiseConvAct: gradients exist for the activations linear and relu only');
    // One kernel gives all three gradients (see the BiLSTM gradient for why it runs here).
    const [dx, dw, db] = tf.engine().runKernel<Tensor[]>(DEPTHWISE_ACT_GRAD, { dy: dy as Tensor, x, filter, y }, { ...a }) as [Tensor, Tensor, Tensor];
    return { x: () => dx, filter: () => dw, bias: () => db };
  },
};
