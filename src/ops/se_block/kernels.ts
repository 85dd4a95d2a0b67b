/** The wasm kernel of squeezeExcite (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';
import { SE_BLOCK } from './se_block.ts';

export const seBlockKernels: KernelConfig[] = [
  {
    kernelName: SE_BLOCK,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { x, w1, b1, w2, b2 } = inputs as Record<'x' | 'w1' | 'b1' | 'w2' | 'b2', TensorInfo>;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('squeezeExcite: the wasm SIMD module is not available here');
      const [b, h, w, c] = x.shape as [number, number, number, number];
      const m = b1.shape[0]!;
      const y = (backend as BackendWasm).makeOutput(x.shape, 'float32');
      const scratch = simd.malloc(c + m);
      try {
        simd.seBlock(b, h * w, c, m, simd.offset(x), simd.offset(w1), simd.offset(b1), simd.offset(w2), simd.offset(b2), simd.offset(y), scratch);
      } finally {
        simd.free(scratch);
      }
      return y;
    },
  },
];
