/**
 * Sum and Mean over leading axes on wasm through our SIMD column sum (./simd). tfjs-wasm 4.22 reduces
 * only innermost axes: for any other axes it first transposes the whole input, then sums. NHWC
 * reductions over every axis but channels (BatchNorm statistics, bias and scale gradients) and over
 * the spatial axes (squeeze-excitation means and their gradients) are ~20% of a crnn-mv3-en training
 * step. When the reduced axes are one contiguous run that does not include the last axis, the input is
 * [outer, R, inner] and each output row is a column sum: no transpose. Every other case, and non-float
 * inputs, go to the backend's own kernel. Same sums in another order (blocked float32).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type KernelConfig, type KernelFunc, type TensorInfo } from '../../runtime/tf.ts';
import { simdFor } from '../simd/simd.ts';

interface ReduceAttrs {
  axis: number | number[] | null;
  keepDims: boolean;
}

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** [outer, R, inner] when `axes` (normalised, sorted) are one run not including the last axis. */
export function leadingRun(shape: readonly number[], axis: number | number[] | null | undefined): { outer: number; r: number; inner: number; axes: number[] } | null {
  const rank = shape.length;
  if (axis === null || axis === undefined) return null; // every axis (tf.sum(x)): the backend's kernel
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (axes.length === 0 || rank === 0) return null;
  const [first, last] = [axes[0]!, axes[axes.length - 1]!];
  if (first < 0 || last >= rank - 1 || last - first + 1 !== axes.length) return null;
  return { outer: product(shape.slice(0, first)), r: product(shape.slice(first, last + 1)), inner: product(shape.slice(last + 1)), axes };
}

export function wasmReduceWrapper(original: KernelConfig, mean: boolean): KernelConfig {
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const { axis, keepDims } = attrs as unknown as ReduceAttrs;
    const simd = simdFor(backend, 'wasm');
    const run = x.dtype === 'float32' ? leadingRun(x.shape, axis) : null;
    if (simd === null || run === null || run.r === 0 || run.inner === 0) return inner(args);
    const outShape = keepDims ? x.shape.map((d, i) => (run.axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !run.axes.includes(i));
    const out = (backend as BackendWasm).makeOutput(outShape, 'float32');
    const [xo, yo] = [simd.offset(x), simd.offset(out)];
    const scale = mean ? 1 / run.r : 1;
    for (let o = 0; o < run.outer; o++) simd.colsum(run.r, run.inner, xo + 4 * o * run.r * run.inner, run.inner, yo + 4 * o * run.inner, scale);
    return out;
  };
  return { kernelName: original.kernelName, backendName: original.backendName, ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}), kernelFunc };
}

/** For the registry's WRAPPERS. */
export const wasmSumWrapper = (k: KernelConfig): KernelConfig => wasmReduceWrapper(k, false);
export const wasmMeanWrapper = (k: KernelConfig): KernelConfig => wasmReduceWrapper(k, true);
