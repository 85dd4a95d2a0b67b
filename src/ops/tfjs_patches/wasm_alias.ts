/**
 * Identity and same-dtype Cast on wasm without a copy. tfjs-wasm 4.22 copies the whole tensor for both,
 * and tfjs's gradients call them all the time (`cast(x, 'float32')` in the Mul/Div/Sub gradients, clones
 * of saved tensors): 1,417 Identity and 465 Cast calls per crnn-mv3-en training step, ~10% of its kernel
 * time. Tensor data is never written after its kernel returns, so the output can share the input's data
 * (as tfjs's cpu backend does): the backend's reference count is raised, as its Reshape does.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, TensorInfo } from '../../runtime/tf.ts';

let aliasing = true;

/** Switches the sharing off (tfjs's copies) and on again: for before/after measurements. */
export function setWasmAliasing(on: boolean): void {
  aliasing = on;
}

function alias(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function wrapper(original: KernelConfig, sameDtype: (x: TensorInfo, attrs: Record<string, unknown>) => boolean): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const x = args.inputs.x as TensorInfo;
    if (!aliasing || x.dtype === 'string' || !sameDtype(x, args.attrs as Record<string, unknown>)) return inner(args);
    return alias(args.backend as BackendWasm, x);
  };
  return { kernelName: original.kernelName, backendName: original.backendName, ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}), kernelFunc };
}

/** For the registry's WRAPPERS. */
export const wasmIdentityWrapper = (k: KernelConfig): KernelConfig => wrapper(k, () => true);
export const wasmCastWrapper = (k: KernelConfig): KernelConfig => wrapper(k, (x, attrs) => attrs.dtype === x.dtype);
