/** The wasm kernels of squeezeExcite and its gradient (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type GradConfig, type KernelConfig, type Tensor, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';
import { PADDLE_SLOPE, SE_BLOCK, SE_BLOCK_GRAD } from './se_block.ts';

/** The hard sigmoid's slope (Paddle's 0.2 when a caller gives none). */
function slopeOf(attrs: unknown): number {
  return (attrs as { slope?: number } | undefined)?.slope ?? PADDLE_SLOPE;
}

export const seBlockKernels: KernelConfig[] = [
  {
    kernelName: SE_BLOCK,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, w1, b1, w2, b2 } = inputs as Record<'x' | 'w1' | 'b1' | 'w2' | 'b2', TensorInfo>;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('squeezeExcite: the wasm SIMD module is not available here');
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const m = b1.shape[0]!;
      const y = (backend as BackendWasm).makeOutput(x.shape, 'float32');
      const scratch = simd.malloc(c + m);
      try {
        simd.seBlock(b, h * w, c, m, simd.offset(x), simd.offset(w1), simd.offset(b1), simd.offset(w2), simd.offset(b2), simd.offset(y), scratch, slopeOf(attrs));
      } finally {
        simd.free(scratch);
      }
      return y;
    },
  },
  {
    kernelName: SE_BLOCK_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, w1, b1, w2, b2 } = inputs as Record<'dy' | 'x' | 'w1' | 'b1' | 'w2' | 'b2', TensorInfo>;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('squeezeExcite gradient: the wasm SIMD module is not available here');
      const wasm = backend as BackendWasm;
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const m = b1.shape[0]!;
      const dx = wasm.makeOutput([...x.shape], 'float32');
      const dw1 = wasm.makeOutput([...w1.shape], 'float32');
      const db1 = wasm.makeOutput([...b1.shape], 'float32');
      const dw2 = wasm.makeOutput([...w2.shape], 'float32');
      const db2 = wasm.makeOutput([...b2.shape], 'float32');
      const scratch = simd.malloc(3 * c + 2 * m);
      try {
        simd.seBlockGrad(b, h * w, c, m, simd.offset(x), simd.offset(w1), simd.offset(b1), simd.offset(w2), simd.offset(b2), simd.offset(dy),
          simd.offset(dx), simd.offset(dw1), simd.offset(db1), simd.offset(dw2), simd.offset(db2), scratch, slopeOf(attrs));
      } finally {
        simd.free(scratch);
      }
      return [dx, dw1, db1, dw2, db2];
    },
  },
];

export const seBlockGrad: GradConfig = {
  kernelName: SE_BLOCK,
  inputsToSave: ['x', 'w1', 'b1', 'w2', 'b2'],
  gradFunc: (dy, saved, attrs) => {
    const [x, w1, b1, w2, b2] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const g = (Array.isArray(dy) ? dy[0] : dy) as Tensor;
    const [dx, dw1, db1, dw2, db2] = tf.engine().runKernel<Tensor[]>(SE_BLOCK_GRAD, { dy: g, x, w1, b1, w2, b2 }, { slope: slopeOf(attrs) }) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    return { x: () => dx, w1: () => dw1, b1: () => db1, w2: () => dw2, b2: () => db2 };
  },
};
