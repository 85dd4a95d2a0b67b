/**
 * The bridge that lets one TypeScript kernel body serve both software backends ("the wasm/cpu twin").
 *
 * cpu keeps tensor data as JS typed arrays; wasm keeps it in the module's heap. A twin kernel reads its
 * inputs as Float32Array views (no copy on wasm), and writes into an output view allocated by the
 * backend, so numerics are identical on both and only the storage differs.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '../runtime/tf.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';

export type SoftwareBackendName = 'cpu' | 'wasm';
export const SOFTWARE_BACKENDS: readonly SoftwareBackendName[] = ['cpu', 'wasm'];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Float32 view of a tensor's data on the cpu or wasm backend. Read-only by contract. */
export function readF32(backend: object, name: SoftwareBackendName, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new InvalidArgumentError(`expected a float32 tensor, got ${t.dtype}`);
  if (name === 'wasm') return (backend as unknown as BackendWasm).typedArrayFromHeap(t) as Float32Array;
  return (backend as unknown as MathBackendCPU).data.get(t.dataId).values as Float32Array;
}

/** Allocates a float32 output on the backend, lets `fill` write it, returns its TensorInfo. */
export function writeF32(
  backend: object,
  name: SoftwareBackendName,
  shape: number[],
  fill: (out: Float32Array) => void,
): TensorInfo {
  if (name === 'wasm') {
    const wasm = backend as unknown as BackendWasm;
    const info = wasm.makeOutput(shape, 'float32');
    // The view is taken after allocation: malloc may grow (and detach) the heap.
    fill(wasm.typedArrayFromHeap(info) as Float32Array);
    return info;
  }
  const out = new Float32Array(sizeOf(shape));
  fill(out);
  return (backend as unknown as MathBackendCPU).makeTensorInfo(shape, 'float32', out);
}

/** Int32 view of an int32 tensor's data on the cpu or wasm backend (labels, lengths). Read-only by contract. */
export function readI32(backend: object, name: SoftwareBackendName, t: TensorInfo): Int32Array {
  if (t.dtype !== 'int32') throw new InvalidArgumentError(`expected an int32 tensor, got ${t.dtype}`);
  if (name === 'wasm') return (backend as unknown as BackendWasm).typedArrayFromHeap(t) as Int32Array;
  return (backend as unknown as MathBackendCPU).data.get(t.dataId).values as Int32Array;
}
