/**
 * Our own small wasm SIMD module (wasm/simd.c, built by scripts/build_wasm.sh, embedded as base64 in
 * ./simd_wasm.ts) instantiated on tfjs-wasm's own memory: its routines take byte offsets into the
 * backend's heap, so fused kernels run on tensor data in place, with scratch from the backend's malloc.
 * Loaded the same way in Node and in browser workers (synchronously, on first use). Chromium refuses
 * synchronous compiles over 4 KB on a page's main thread: there `simdFor` is null and the TypeScript
 * loops run (the product's engines live in workers).
 * `simdFor` returns null where it cannot run (no wasm SIMD, or a threaded tfjs build whose memory is
 * shared); callers then keep their TypeScript loops.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '../../runtime/tf.ts';
import { WebstrError } from '../../runtime/errors.ts';
import { SIMD_WASM_BASE64 } from './simd_wasm.ts';

/** C[M,N] += op(A)·op(B), row-major, leading dimensions in floats, pointers as heap byte offsets. */
type Gemm = (m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number) => void;

export interface SimdHeap {
  /** C += A·B. */
  nn: Gemm;
  /** C += A·Bᵀ (B given as [N, K]). */
  nt: Gemm;
  /** C += Aᵀ·B (A given as [K, M]). */
  tn: Gemm;
  /** C[n] = scale · Σ_r A[r·lda + n], n < N. */
  colsum: (r: number, n: number, a: number, lda: number, c: number, scale: number) => void;
  /** y = hardSwish(x) over n floats. */
  hardSwish: (n: number, x: number, y: number) => void;
  /** dx = hardSwish'(x)·dy over n floats. */
  hardSwishGrad: (n: number, dy: number, x: number, dx: number) => void;
  /**
   * Depthwise conv + bias + activation (0 linear, 1 ReLU, 2 hard-swish, 3 hard-swish then ·s6 + t), NHWC;
   * see wasm/simd.c.
   */
  depthwiseAct: (
    b: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number,
    x: number, filter: number, bias: number, y: number, act: number, s6: number, t: number,
  ) => void;
  /** 1×1 conv as a GEMM: y [M, N] = act(bias + x [M, K]·w [K, N]) (+ res [M, N], 0 for none); act as depthwiseAct. */
  pointwiseAct: (m: number, n: number, k: number, x: number, w: number, bias: number, res: number, y: number, act: number, s6: number, t: number) => void;
  /** y = x·clamp(x + 3, 0, 6)·s6 + t over n floats. */
  hardSwishAffine: (n: number, x: number, y: number, s6: number, t: number) => void;
  /** Gradients of depthwiseAct (act 0 or 1: dx, dw, db); `part` scratch of KH·KW·C + C floats; see wasm/simd.c. */
  depthwiseGrad: (
    b: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number,
    x: number, filter: number, dy: number, y: number, act: number, dx: number, dw: number, db: number, part: number,
  ) => void;
  /** Per-channel mean and biased variance of y [R, C]. */
  bnStats: (r: number, c: number, y: number, mean: number, variance: number) => void;
  /** out = act(BatchNorm(y)) with the given statistics (act 0 linear, 1 ReLU, 2 hard-swish); scratch 2C floats. */
  bnAct: (r: number, c: number, y: number, mean: number, variance: number, gamma: number, beta: number, eps: number, act: number, out: number, scratch: number) => void;
  /** Backward of bnAct with batch statistics: dy, dgamma, dbeta; scratch 4C floats. */
  bnActGrad: (
    r: number, c: number, y: number, dout: number, mean: number, variance: number, gamma: number, beta: number, eps: number, act: number,
    dy: number, dgamma: number, dbeta: number, scratch: number,
  ) => void;
  /** Squeeze-and-excitation with a hard sigmoid clamp(slope·z + 0.5, 0, 1) over [B, HW, C]; scratch of C + M floats. */
  seBlock: (b: number, hw: number, c: number, m: number, x: number, w1: number, b1: number, w2: number, b2: number, y: number, scratch: number, slope: number) => void;
  /** One LSTM step of one direction (H % 4 = 0), gate activations in SIMD; see wasm/simd.c. */
  lstmCell: (
    b: number, h: number, acc: number, c: number, ldc: number, hOut: number, ldh: number, y: number, ldy: number,
    gates: number, ldg: number, gs: number, cells: number, ldcl: number,
  ) => void;
  /** dst [C, R] = src [R, C]ᵀ (row-major floats). */
  transpose: (r: number, c: number, src: number, dst: number) => void;
  /** Max-pool gradient, NHWC (first maximum of each window wins); zeroes dx first; see wasm/simd.c. */
  maxPoolGrad: (
    b: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number,
    x: number, dy: number, dx: number,
  ) => void;
  /** Backward of seBlock: dx, dw1 [C, M], db1, dw2 [M, C], db2 from dy; scratch of 3C + 2M floats. */
  seBlockGrad: (
    b: number, hw: number, c: number, m: number, x: number, w1: number, b1: number, w2: number, b2: number, dy: number,
    dx: number, dw1: number, db1: number, dw2: number, db2: number, scratch: number, slope: number,
  ) => void;
  /** Byte offset of a tensor's data in the heap. */
  offset(t: TensorInfo): number;
  /** `floats` float32s of scratch (byte offset); free with `free`. May grow the heap: take views after. */
  malloc(floats: number): number;
  free(ptr: number): void;
  /** A float32 view of the whole heap (re-take after any allocation). */
  f32(): Float32Array;
}

interface EmscriptenParts {
  asm?: { memory?: unknown };
  _malloc?: (bytes: number) => number;
  _free?: (ptr: number) => void;
}

/** The wasm heap could not give a fused kernel its scratch (the 4 GB wasm32 limit, or fragmentation). */
export class WasmScratchError extends WebstrError {
  override name = 'WasmScratchError';
  constructor(readonly bytes: number) {
    super(`wasm heap: could not allocate ${bytes} bytes of kernel scratch (heap full: smaller batches, or a fresh backend)`);
  }
}

let enabled = true;
const cache = new WeakMap<object, SimdHeap | null>();

/** Switches the SIMD paths off and on again (before/after measurements, tests of the fallbacks). */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}

function bytes(): Uint8Array<ArrayBuffer> {
  const s = atob(SIMD_WASM_BASE64);
  const b = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function instantiate(backend: BackendWasm): SimdHeap | null {
  const w = backend.wasm as unknown as EmscriptenParts;
  const memory = w.asm?.memory;
  const malloc = w._malloc;
  const free = w._free;
  if (!(memory instanceof WebAssembly.Memory) || malloc === undefined || free === undefined) return null;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  const code = bytes();
  if (!WebAssembly.validate(code)) return null; // no SIMD in this engine
  const instance = new WebAssembly.Instance(new WebAssembly.Module(code), { env: { memory } });
  const fn = <F>(name: string): F => instance.exports[name] as F;
  return {
    nn: fn<Gemm>('sgemm_nn'),
    nt: fn<Gemm>('sgemm_nt'),
    tn: fn<Gemm>('sgemm_tn'),
    colsum: fn('colsum'),
    hardSwish: fn('hardswish'),
    hardSwishGrad: fn('hardswish_grad'),
    depthwiseAct: fn('depthwise_act'),
    hardSwishAffine: fn('hardswish_affine'),
    pointwiseAct: fn('pointwise_act'),
    depthwiseGrad: fn('depthwise_grad'),
    bnStats: fn('bn_stats'),
    bnAct: fn('bn_act'),
    bnActGrad: fn('bn_act_grad'),
    seBlock: fn('se_block'),
    lstmCell: fn('lstm_cell'),
    transpose: fn('transpose'),
    maxPoolGrad: fn('maxpool_grad'),
    seBlockGrad: fn('se_block_grad'),
    offset: (t) => backend.dataIdMap.get(t.dataId).memoryOffset,
    malloc: (floats) => {
      const ptr = malloc(4 * floats) >>> 0;
      if (ptr === 0) throw new WasmScratchError(4 * floats);
      return ptr;
    },
    free: (ptr) => free(ptr),
    f32: () => new Float32Array(memory.buffer),
  };
}

/** The SIMD routines on this wasm backend's heap, or null (not wasm, switched off, or unavailable). */
export function simdFor(backend: object, backendName: string): SimdHeap | null {
  if (!enabled || backendName !== 'wasm') return null;
  let s = cache.get(backend);
  if (s === undefined) {
    try {
      s = instantiate(backend as BackendWasm);
    } catch {
      s = null; // e.g. an engine that refuses to compile synchronously: the TypeScript loops remain
    }
    cache.set(backend, s);
  }
  return s;
}
