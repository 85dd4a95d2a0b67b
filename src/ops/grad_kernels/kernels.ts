/**
 * Gradient kernels tfjs-backend-wasm 4.22 lacks, registered for 'wasm' (listed in ../registry.ts):
 * - `Conv2DBackpropFilter`: dW = im2col(x)ᵀ · dy, the im2col built in chunks of ≤ 4 M floats (16 MiB) and
 *   each chunk multiplied by the backend's own BatchMatMul (the wasm SIMD matmul), summed over chunks;
 * - `DepthwiseConv2dNativeBackpropFilter` / `…BackpropInput`: loops over the output, innermost over
 *   contiguous channels (the work of a depthwise conv is small; a matmul would not pay).
 * - `MaxPoolGrad` replaces tfjs-wasm's own, which drops the gradient of windows whose maximum is
 *   negative (seen on MobileNetV3's hard-swish → max-pool); first maximum wins, as cpu and PyTorch.
 * Results equal the cpu backend's kernels (grad_kernels.test.ts).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type KernelConfig, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { writeF32 } from '../backend_io.ts';
import { depthwiseFilterGrad, depthwiseInputGrad, im2colRows, maxPoolGrad, type ConvGeom, type PoolGeom } from './reference.ts';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  dataFormat?: 'NHWC' | 'NCHW';
}

/** Most floats an im2col chunk may hold (4 M = 16 MiB; smaller in tests to exercise the chunking). */
let im2colChunkFloats = 4 * 1024 * 1024;

export function setIm2colChunkFloats(n = 4 * 1024 * 1024): void {
  im2colChunkFloats = Math.max(1, Math.floor(n));
}

function input(inputs: Record<string, TensorInfo | undefined>, name: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`missing kernel input '${name}'`);
  return t;
}

function geometry(xShape: number[], filterShape: number[], a: ConvAttrs, depthwise: boolean): ConvGeom {
  if (a.dataFormat === 'NCHW') throw new InvalidArgumentError('conv gradients on wasm: only NHWC is supported');
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function heapF32(wasm: BackendWasm, t: TensorInfo): Float32Array {
  return wasm.typedArrayFromHeap(t) as Float32Array;
}

/** dW [kh, kw, Cin, Cout] of a conv2d from x [B, H, W, Cin] and dy [B, Ho, Wo, Cout]. */
function conv2dBackpropFilterWasm(wasm: BackendWasm, x: TensorInfo, dy: TensorInfo, attrs: ConvAttrs & { filterShape: number[] }): TensorInfo {
  const g = geometry(x.shape, attrs.filterShape, attrs, false);
  const K = g.kh * g.kw * g.inC;
  const N = g.batch * g.outH * g.outW;
  const matmul = tf.getKernel('BatchMatMul', 'wasm');
  if (matmul === undefined) throw new Error('wasm BatchMatMul kernel missing');
  const rowsPerChunk = Math.max(1, Math.floor(im2colChunkFloats / Math.max(K, g.outC)));
  let acc: TensorInfo | null = null;
  for (let r0 = 0; r0 < N; r0 += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, N - r0);
    const cols = wasm.makeOutput([1, n, K], 'float32');
    const dyc = wasm.makeOutput([1, n, g.outC], 'float32');
    // Views only after both allocations (allocating may grow the heap and detach earlier views).
    im2colRows(heapF32(wasm, x), g, r0, n, heapF32(wasm, cols));
    heapF32(wasm, dyc).set(heapF32(wasm, dy).subarray(r0 * g.outC, (r0 + n) * g.outC));
    const part = matmul.kernelFunc({
      inputs: { a: cols, b: dyc },
      backend: wasm,
      attrs: { transposeA: true, transposeB: false },
    }) as TensorInfo; // [1, K, Cout]
    wasm.disposeData(cols.dataId);
    wasm.disposeData(dyc.dataId);
    if (acc === null) acc = part;
    else {
      const a = heapF32(wasm, acc);
      const p = heapF32(wasm, part);
      for (let i = 0; i < a.length; i++) a[i]! += p[i]!;
      wasm.disposeData(part.dataId);
    }
  }
  if (acc === null) {
    // No output positions: the gradient is zero.
    return writeF32(wasm, 'wasm', attrs.filterShape, (out) => out.fill(0));
  }
  return { dataId: acc.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
}

function poolGeometry(xShape: number[], a: { filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' }): PoolGeom {
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    channels: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Kernels registered over the backend's own (their names exist on wasm, with wrong results). */
export const gradKernelOverrides: KernelConfig[] = [
  {
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const x = input(inputs, 'input');
      const g = poolGeometry(x.shape, attrs as unknown as Parameters<typeof poolGeometry>[1]);
      return writeF32(backend, 'wasm', [...x.shape], (dx, read) => maxPoolGrad(read.f32(dy), read.f32(x), g, dx));
    },
  },
];

export const convGradKernels: KernelConfig[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) =>
      conv2dBackpropFilterWasm(backend as BackendWasm, input(inputs, 'x'), input(inputs, 'dy'), attrs as unknown as ConvAttrs & { filterShape: number[] }),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = input(inputs, 'x');
      const dy = input(inputs, 'dy');
      const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
      const g = geometry(x.shape, a.filterShape, a, true);
      return writeF32(backend, 'wasm', [...a.filterShape], (dw, read) => depthwiseFilterGrad(read.f32(x), read.f32(dy), g, dw));
    },
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const filter = input(inputs, 'filter');
      const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
      const g = geometry(a.inputShape, filter.shape, a, true);
      return writeF32(backend, 'wasm', [...a.inputShape], (dx, read) => depthwiseInputGrad(read.f32(dy), read.f32(filter), g, dx));
    },
  },
];
