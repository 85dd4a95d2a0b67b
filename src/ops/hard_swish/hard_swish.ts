/**
 * `hardSwish(x)`: the template op. A custom op is one folder: this file (the public op: validation,
 * then `runKernel`), `kernels.ts` (webgpu programs + cpu/wasm twins + gradient, as configs), the
 * numerics in `reference.ts`, the WGSL bodies in `shaders/`, and a test beside them.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

export const HARD_SWISH = 'WebstrHardSwish';
export const HARD_SWISH_GRAD = 'WebstrHardSwishGrad';

export function hardSwish<T extends Tensor>(x: T): T {
  if (!(x instanceof tf.Tensor)) throw new InvalidArgumentError('hardSwish: expected a tf.Tensor for x');
  if (x.dtype !== 'float32') throw new InvalidArgumentError(`hardSwish: expected x of dtype float32, got ${x.dtype}`);
  return tf.engine().runKernel<T>(HARD_SWISH, { x });
}
