/**
 * Gradient kernels tfjs-backend-wasm 4.22 lacks, registered for 'wasm' (listed in ../../registry.ts):
 * - `Conv2DBackpropFilter`: dW = im2col(x)ᵀ · dy by the backend's own BatchMatMul (the wasm SIMD
 *   matmul): one product with dy in place when the im2col fits 4 M floats (16 MiB), else chunks of
 *   output rows (each with its rows of dy copied), summed; a 1×1, stride-1 conv is xᵀ · dy, no copy.
 *   On wasm the im2col is written transposed, so the product needs no transpose of it;
 * - `DepthwiseConv2dNativeBackpropInput`: the backend's own forward depthwise conv (XNNPACK) of dy,
 *   zero-inserted for strides > 1, with the flipped filter (depthwise_wasm.ts);
 * - `DepthwiseConv2dNativeBackpropFilter`: forward depthwise convs whose filters are 25-tap runs of dy
 *   and whose inputs are the x windows those read, one channel per (b, oy, run, c), summed over runs
 *   (depthwise_wasm.ts). Both were JS loops over the output (innermost over contiguous channels), ~36%
 *   of a crnn-mv3-en training step's kernel time on wasm (batch 8, 3×32×100); now ~11% (dx ~7×, dW
 *   ~3× faster per step). The loops stay as the fallback (multiplier > 1, width dilation, unequal
 *   dilations, NCHW is refused as before) and behind `setWasmDepthwiseGradFastPath(false)`.
 * - `MaxPoolGrad` replaces tfjs-wasm's own, which drops the gradient of windows whose maximum is
 *   negative (seen on MobileNetV3's hard-swish → max-pool); first maximum wins, as cpu and PyTorch. One
 *   SIMD loop over the windows (wasm/simd.c `maxpool_grad`, 4 channels at a time), the TypeScript loop
 *   where the module is unavailable (it took 17–36 ms per crnn-mv3-en step at batch 64).
 * Results equal the cpu backend's kernels (grad_kernels.test.ts).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type KernelConfig, type KernelFunc, type TensorInfo } from '../../../runtime/tf.ts';
import { InvalidArgumentError } from '../../../runtime/errors.ts';
import { writeF32, type SoftwareBackendName, input } from '../../backend_io.ts';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { depthwiseFilterGradWasm, depthwiseInputGradWasm } from './depthwise_wasm.ts';
import { simdFor } from '../../simd/simd.ts';
import { col2imRows, depthwiseFilterGrad, depthwiseInputGrad, im2colRows, im2colRowsT, maxPoolGrad, type ConvGeom, type PoolGeom } from './reference.ts';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  dataFormat?: 'NHWC' | 'NCHW';
}

let im2colTransposed = true;

/**
 * Switches the transposed im2col of the wasm filter gradient off (row-major columns, which the matMul
 * wrapper then transposes) and on: for before/after measurements.
 */
export function setIm2colTransposed(on: boolean): void {
  im2colTransposed = on;
}

/** Most floats an im2col chunk may hold (4 M = 16 MiB; smaller in tests to exercise the chunking). */
let im2colChunkFloats = 4 * 1024 * 1024;

export function setIm2colChunkFloats(n = 4 * 1024 * 1024): void {
  im2colChunkFloats = Math.max(1, Math.floor(n));
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

/** What the matmul-based kernels need of a software backend: allocate, view, free, multiply. */
interface Mem {
  alloc(shape: number[]): TensorInfo;
  /** A view of a float32 tensor's data; re-take after any alloc (wasm heap growth detaches views). */
  f32(t: TensorInfo): Float32Array;
  free(t: TensorInfo): void;
  matmul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo;
}

function mem(backend: object, name: SoftwareBackendName): Mem {
  const mm = tf.getKernel('BatchMatMul', name);
  if (mm === undefined) throw new Error(`${name} BatchMatMul kernel missing`);
  const matmul = (a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo =>
    mm.kernelFunc({ inputs: { a, b }, backend: backend, attrs: { transposeA, transposeB } }) as TensorInfo;
  if (name === 'wasm') {
    const wasm = backend as BackendWasm;
    return {
      alloc: (shape) => wasm.makeOutput(shape, 'float32'),
      f32: (t) => wasm.typedArrayFromHeap(t) as Float32Array,
      free: (t) => void wasm.disposeData(t.dataId),
      matmul,
    };
  }
  const cpu = backend as MathBackendCPU;
  return {
    alloc: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
    f32: (t) => cpu.data.get(t.dataId).values as Float32Array,
    free: (t) => void cpu.disposeData(t.dataId),
    matmul,
  };
}

/** A 1×1, stride-1, unpadded conv: its im2col is the input itself. */
function isPointwise(g: ConvGeom): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padTop === 0 && g.padLeft === 0 && g.outH === g.inH && g.outW === g.inW;
}

/**
 * dW [kh, kw, Cin, Cout] of a conv2d from x [B, H, W, Cin] and dy [B, Ho, Wo, Cout]:
 * Σ over chunks of output positions of im2col(x)ᵀ · dy (the backend's BatchMatMul); a 1×1, stride-1,
 * unpadded conv is xᵀ · dy alone (no im2col copy).
 */
function conv2dBackpropFilter(m: Mem, x: TensorInfo, dy: TensorInfo, attrs: ConvAttrs & { filterShape: number[] }, transposed: boolean): TensorInfo {
  const g = geometry(x.shape, attrs.filterShape, attrs, false);
  const K = g.kh * g.kw * g.inC;
  const N = g.batch * g.outH * g.outW;
  if (isPointwise(g)) {
    // im2col of a 1×1, stride-1, unpadded conv is x itself: one product, no copies.
    const r = m.matmul({ dataId: x.dataId, shape: [1, N, K], dtype: 'float32' }, { dataId: dy.dataId, shape: [1, N, g.outC], dtype: 'float32' }, true, false);
    return { dataId: r.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
  }
  // One chunk when the im2col fits: dy is then multiplied in place (no copy). Otherwise the chunks also
  // copy their rows of dy, so both count.
  const rowsPerChunk = N * K <= im2colChunkFloats ? Math.max(1, N) : Math.max(1, Math.floor(im2colChunkFloats / Math.max(K, g.outC)));
  let acc: TensorInfo | null = null;
  for (let r0 = 0; r0 < N; r0 += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, N - r0);
    // Transposed ([1, K, n]) the product needs no transpose of the columns (wasm, where that copy is a
    // separate pass); row-major ([1, n, K]) on cpu.
    const cols = m.alloc(transposed ? [1, K, n] : [1, n, K]);
    // One chunk: dy itself (its copy cost as much as the product for a first conv, Cout ≫ kh·kw·Cin).
    const dyc = n === N ? null : m.alloc([1, n, g.outC]);
    // Views only after both allocations (allocating may grow the heap and detach earlier views).
    (transposed ? im2colRowsT : im2colRows)(m.f32(x), g, r0, n, m.f32(cols));
    if (dyc !== null) m.f32(dyc).set(m.f32(dy).subarray(r0 * g.outC, (r0 + n) * g.outC));
    const part = m.matmul(cols, dyc ?? { dataId: dy.dataId, shape: [1, N, g.outC], dtype: 'float32' }, !transposed, false); // [1, K, Cout]
    m.free(cols);
    if (dyc !== null) m.free(dyc);
    if (acc === null) acc = part;
    else {
      const a = m.f32(acc);
      const p = m.f32(part);
      for (let i = 0; i < a.length; i++) a[i]! += p[i]!;
      m.free(part);
    }
  }
  if (acc === null) {
    acc = m.alloc([1, K, g.outC]); // no output positions: zero gradient
    m.f32(acc).fill(0);
  }
  return { dataId: acc.dataId, shape: [...attrs.filterShape], dtype: 'float32' };
}

/**
 * dx [B, H, W, Cin] of a conv2d from dy [B, Ho, Wo, Cout] and the filter [kh, kw, Cin, Cout]:
 * cols = dy · Wᵀ ([N, kh·kw·Cin], the backend's BatchMatMul, in chunks of output positions), then
 * col2im adds each column block into the input position it came from. A 1×1, stride-1, unpadded conv
 * is the matMul alone.
 */
function conv2dBackpropInput(m: Mem, dy: TensorInfo, filter: TensorInfo, attrs: ConvAttrs & { inputShape: number[] }): TensorInfo {
  const g = geometry(attrs.inputShape, filter.shape, attrs, false);
  const K = g.kh * g.kw * g.inC;
  const N = g.batch * g.outH * g.outW;
  const w2 = { dataId: filter.dataId, shape: [1, K, g.outC], dtype: 'float32' as const };
  if (isPointwise(g)) {
    const r = m.matmul({ dataId: dy.dataId, shape: [1, N, g.outC], dtype: 'float32' }, w2, false, true); // [1, N, Cin]
    return { dataId: r.dataId, shape: [...attrs.inputShape], dtype: 'float32' };
  }
  const out = m.alloc([...attrs.inputShape]);
  m.f32(out).fill(0);
  const rowsPerChunk = Math.max(1, Math.floor(im2colChunkFloats / Math.max(K, g.outC)));
  for (let r0 = 0; r0 < N; r0 += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, N - r0);
    const dyc = m.alloc([1, n, g.outC]);
    m.f32(dyc).set(m.f32(dy).subarray(r0 * g.outC, (r0 + n) * g.outC));
    const cols = m.matmul(dyc, w2, false, true); // [1, n, K]
    m.free(dyc);
    col2imRows(m.f32(cols), g, r0, n, m.f32(out));
    m.free(cols);
  }
  return out;
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

/**
 * Kernels registered over the backend's own: tfjs-wasm's MaxPoolGrad is wrong; its Conv2DBackpropInput
 * and the cpu backend's Conv2DBackpropFilter / Conv2DBackpropInput are naive loops (the cpu filter
 * gradient was ~90% of a tiny CRNN's training step); the matMul forms give the same sums. The cpu
 * backend's depthwise gradients are replaced by the loops the wasm ones fall back to.
 */
export const gradKernelOverrides: KernelConfig[] = [
  ...(['cpu', 'wasm'] as const).flatMap((name): KernelConfig[] => [
    {
      kernelName: 'Conv2DBackpropFilter',
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) =>
        conv2dBackpropFilter(mem(backend, name), input(inputs, 'x'), input(inputs, 'dy'), attrs as unknown as ConvAttrs & { filterShape: number[] }, name === 'wasm' && im2colTransposed),
    },
    {
      kernelName: 'Conv2DBackpropInput',
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) =>
        conv2dBackpropInput(mem(backend, name), input(inputs, 'dy'), input(inputs, 'filter'), attrs as unknown as ConvAttrs & { inputShape: number[] }),
    },
  ]),
  // tfjs-cpu's own depthwise gradients index through TensorBuffers: dx + dW of one crnn-mv3-en layer at
  // batch 8 took 0.43–0.75 s (`npm run perf -- ops`), the loops of reference.ts 12–23 ms for the same
  // sums; a cpu training step of crnn-mv3-en at batch 8 went 23.0 → 7.5 s (`npm run perf -- train`).
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'cpu', kernelFunc: depthwiseFilterKernel('cpu') },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'cpu', kernelFunc: depthwiseInputKernel('cpu') },
  {
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const x = input(inputs, 'input');
      const g = poolGeometry(x.shape, attrs as unknown as Parameters<typeof poolGeometry>[1]);
      const simd = maxPoolSimd ? simdFor(backend, 'wasm') : null;
      if (simd !== null && dy.dtype === 'float32' && x.dtype === 'float32') {
        const dx = (backend as BackendWasm).makeOutput([...x.shape], 'float32');
        simd.maxPoolGrad(g.batch, g.inH, g.inW, g.channels, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.outH, g.outW, simd.offset(x), simd.offset(dy), simd.offset(dx));
        return dx;
      }
      return writeF32(backend, 'wasm', [...x.shape], (dx, read) => maxPoolGrad(read.f32(dy), read.f32(x), g, dx));
    },
  },
];

let maxPoolSimd = true;

/** Switches wasm MaxPoolGrad's SIMD loop off (the TypeScript loop) and on: for before/after measurements. */
export function setWasmMaxPoolGradSimd(on: boolean): void {
  maxPoolSimd = on;
}

/** Whether the wasm depthwise gradients take their XNNPACK forms (depthwise_wasm.ts); off = the loops. */
let depthwiseFastPath = true;

/** Switches the XNNPACK forms of the wasm depthwise gradients off (the JS loops) and on: for before/after measurements. */
export function setWasmDepthwiseGradFastPath(on: boolean): void {
  depthwiseFastPath = on;
}

function depthwiseFilterKernel(name: SoftwareBackendName): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    const a = attrs as unknown as ConvAttrs & { filterShape: number[] };
    const g = geometry(x.shape, a.filterShape, a, true);
    const fast = name === 'wasm' && depthwiseFastPath ? depthwiseFilterGradWasm(backend as BackendWasm, x, dy, g) : null;
    if (fast !== null) return { dataId: fast.dataId, shape: [...a.filterShape], dtype: 'float32' };
    return writeF32(backend, name, [...a.filterShape], (dw, read) => depthwiseFilterGrad(read.f32(x), read.f32(dy), g, dw));
  };
}

function depthwiseInputKernel(name: SoftwareBackendName): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = input(inputs, 'dy');
    const filter = input(inputs, 'filter');
    const a = attrs as unknown as ConvAttrs & { inputShape: number[] };
    const g = geometry(a.inputShape, filter.shape, a, true);
    const fast = name === 'wasm' && depthwiseFastPath ? depthwiseInputGradWasm(backend as BackendWasm, dy, filter, g) : null;
    if (fast !== null) return fast;
    return writeF32(backend, name, [...a.inputShape], (dx, read) => depthwiseInputGrad(read.f32(dy), read.f32(filter), g, dx));
  };
}

/** wasm has no depthwise gradients at all: the XNNPACK forms, else the loops. */
export const convGradKernels: KernelConfig[] = [
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseFilterKernel('wasm') },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseInputKernel('wasm') },
];

