/**
 * The bridge that lets one TypeScript kernel body serve both software backends ("the wasm/cpu twin").
 *
 * cpu keeps tensor data as JS typed arrays; wasm keeps it in the module's heap. A twin kernel reads its
 * inputs as typed-array views (no copy on wasm), taken only after the output is allocated, and writes
 * into the output view, so numerics are identical on both and only the storage differs.
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

/**
 * Views of kernel inputs. Only handed out inside `writeF32`'s `fill`, after the output is allocated:
 * on wasm, allocating may grow the heap and detach every view taken before it.
 */
export interface InputReader {
  f32(t: TensorInfo): Float32Array;
  i32(t: TensorInfo): Int32Array;
}

function view(backend: object, name: SoftwareBackendName, t: TensorInfo): Float32Array | Int32Array {
  if (name === 'wasm') return (backend as unknown as BackendWasm).typedArrayFromHeap(t) as Float32Array | Int32Array;
  return (backend as unknown as MathBackendCPU).data.get(t.dataId).values as Float32Array | Int32Array;
}

function reader(backend: object, name: SoftwareBackendName): InputReader {
  return {
    f32(t) {
      if (t.dtype !== 'float32') throw new InvalidArgumentError(`expected a float32 tensor, got ${t.dtype}`);
      return view(backend, name, t) as Float32Array;
    },
    i32(t) {
      if (t.dtype !== 'int32') throw new InvalidArgumentError(`expected an int32 tensor, got ${t.dtype}`);
      return view(backend, name, t) as Int32Array;
    },
  };
}

/**
 * Allocates a float32 output on the backend, then calls `fill(out, read)`: `read` gives views of the
 * inputs, valid for the duration of `fill` (which must not allocate tensors). Returns the output.
 */
export function writeF32(
  backend: object,
  name: SoftwareBackendName,
  shape: number[],
  fill: (out: Float32Array, read: InputReader) => void,
): TensorInfo {
  if (name === 'wasm') {
    const wasm = backend as unknown as BackendWasm;
    const info = wasm.makeOutput(shape, 'float32');
    fill(wasm.typedArrayFromHeap(info) as Float32Array, reader(backend, name));
    return info;
  }
  const out = new Float32Array(sizeOf(shape));
  fill(out, reader(backend, name));
  return (backend as unknown as MathBackendCPU).makeTensorInfo(shape, 'float32', out);
}

/** A kernel's named input (tfjs hands them over as a record), for the kernels of every backend. */
export function input(inputs: Record<string, TensorInfo | undefined>, name: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new InvalidArgumentError(`missing kernel input '${name}'`);
  return t;
}
