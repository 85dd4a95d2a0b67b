/**
 * The browser builds' tfjs (pages, workers, the library's browser build): tfjs-core with its gradients
 * and chained ops, and the cpu, wasm and webgpu backends — what src/ uses — without the umbrella
 * package's WebGL backend, layers, converter and data. The Vite configs resolve `./tf.ts` to this file
 * (vite.tf_alias.ts); Node keeps tf.ts, since tfjs-core's per-file ESM (where the gradients are) cannot be
 * imported by Node directly. Both expose the same runtime API (everything src/ calls is in tfjs-core).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';

export { tf };
export type {
  Tensor,
  TensorInfo,
  KernelConfig,
  KernelFunc,
  GradConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  DataType,
} from '@tensorflow/tfjs-core';
