/**
 * The one place tfjs is imported from. `@tensorflow/tfjs` brings tfjs-core, the cpu backend and tfjs's
 * gradient registrations (tfjs-core alone registers none, and its per-file ESM cannot be imported by
 * Node directly); the wasm and webgpu backends are added here. Everything else imports `tf` from this
 * module, so there is one engine and one kernel registry.
 */
import * as tf from '@tensorflow/tfjs';
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
} from '@tensorflow/tfjs';
