/**
 * Our own small wasm SIMD module (wasm/simd.c, built by scripts/build_wasm.sh, embedded as base64 in
 * ./simd_wasm.ts) instantiated on tfjs-wasm's own memory: its routines take byte offsets into the
 * backend's heap, so fused kernels run on tensor data in place, with scratch from the backend's malloc.
 * Loaded the same way in Node and in browser workers (synchronously, on first use). Chromium refuses
 * synchronous compiles over 4 KB on a page's main thread: there `simdFor` is null and the TypeScript
 * loops run (the product's engines live in workers).
 * On tfjs's threaded build (a shared heap) the same code is instantiated with its memory import declared
 * shared (`sharedMemoryVariant`); its routines still run on the calling thread only.
 * `simdFor` returns null where it cannot run (no wasm SIMD); callers then keep their TypeScript loops.
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
   * `rows` 1 lets interior outputs go 8 or 4 at a time (the same bits as 0); see wasm/simd.c.
   */
  depthwiseAct: (
    b: number, h: number, w: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number,
    x: number, filter: number, bias: number, y: number, act: number, s6: number, t: number, rows: number,
  ) => void;
  /** 1×1 conv as a GEMM: y [M, N] = act(bias + x [M, K]·w [K, N]) (+ res [M, N], 0 for none); act as depthwiseAct. */
  pointwiseAct: (m: number, n: number, k: number, x: number, w: number, bias: number, res: number, y: number, act: number, s6: number, t: number) => void;
  /** One MobileNetV3 unit (expand, depthwise, SE when m > 0, projection, + x when residual); scratch of BHWE + B·OH·OW·E + E + M floats; see wasm/simd.c. */
  mv3Unit: (
    b: number, h: number, w: number, cin: number, e: number, cout: number, k: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number,
    x: number, we: number, be: number, wd: number, bd: number, act: number, m: number, w1: number, b1: number, w2: number, b2: number, slope: number,
    wl: number, bl: number, residual: number, y: number, scratch: number, rows: number,
  ) => void;
  /** A whole MobileNetV3 backbone at inference, driven by a table of unsigned ints at `table` (byte offset); see wasm/simd.c mv3_backbone. */
  mv3Backbone: (table: number, rows: number) => void;
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
  /** One bidirectional LSTM layer's whole recurrence (H % 4 = 0; gates and cells 0 for none); scratch of 8H² + 8BH floats; see wasm/simd.c. */
  bilstmSeq: (t: number, b: number, h: number, proj: number, wRec: number, y: number, gates: number, cells: number, scratch: number) => void;
  /** One bidirectional LSTM layer at inference, input projection included (H % 4 = 0); scratch of 8TBH + 8H² + 8BH floats; see wasm/simd.c. */
  bilstmLayer: (t: number, b: number, inF: number, h: number, x: number, wX: number, bias: number, wRec: number, y: number, scratch: number) => void;
  /** GA-SPIN's colour power sum over x [B, P] (offsets [B, P], gate [B], w [B, NB], betas [NB]); see wasm/simd.c. */
  spinPowerSum: (b: number, p: number, x: number, offsets: number, gate: number, w: number, betas: number, nb: number, out: number) => void;
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
  /** The heap: exported by the single-threaded builds, created by the glue (shared) in the threaded one. */
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
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

/** The module's import section as built (`env.memory`, limits: min 1 page, no maximum, not shared) and the
 *  same import declared shared with the largest maximum (min 1, max 65536 pages): the only difference
 *  between wasm/simd.c built as it is and built with `-matomics -mbulk-memory -Wl,--shared-memory
 *  -Wl,--max-memory=4294967296` (checked with clang 14: every other section is byte-identical). */
const IMPORT_PLAIN = [0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01];
const IMPORT_SHARED = [0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x01, 0x80, 0x80, 0x04];

/** The module with its memory import declared shared (for tfjs's threaded build, whose heap is a shared
 *  memory: our routines still run on the calling thread only); null if the module is not laid out as
 *  expected. Sections: id byte, LEB128 size, contents; the import section (id 2) is the second. */
export function sharedMemoryVariant(code: Uint8Array): Uint8Array<ArrayBuffer> | null {
  let i = 8;
  while (i < code.length) {
    const id = code[i]!;
    let size = 0;
    let shift = 0;
    let j = i + 1;
    for (;;) {
      const b = code[j++]!;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    if (id === 2) {
      const body = code.subarray(j, j + size);
      if (size !== IMPORT_PLAIN.length || IMPORT_PLAIN.some((v, k) => body[k] !== v)) return null;
      const out = new Uint8Array(new ArrayBuffer(code.length - size + IMPORT_SHARED.length));
      out.set(code.subarray(0, i + 1), 0);
      out[i + 1] = IMPORT_SHARED.length; // < 128: one LEB128 byte, as the plain size's
      out.set(IMPORT_SHARED, i + 2);
      out.set(code.subarray(j + size), i + 2 + IMPORT_SHARED.length);
      return j === i + 2 ? out : null;
    }
    i = j + size;
  }
  return null;
}

function instantiate(backend: BackendWasm): SimdHeap | null {
  const w = backend.wasm as unknown as EmscriptenParts;
  const memory = w.asm?.memory ?? w.wasmMemory;
  const malloc = w._malloc;
  const free = w._free;
  if (!(memory instanceof WebAssembly.Memory) || malloc === undefined || free === undefined) return null;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const code = shared ? sharedMemoryVariant(bytes()) : bytes();
  if (code === null) return null;
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
    mv3Unit: fn('mv3_unit'),
    mv3Backbone: fn('mv3_backbone'),
    depthwiseGrad: fn('depthwise_grad'),
    bnStats: fn('bn_stats'),
    bnAct: fn('bn_act'),
    bnActGrad: fn('bn_act_grad'),
    seBlock: fn('se_block'),
    lstmCell: fn('lstm_cell'),
    bilstmSeq: fn('bilstm_seq'),
    bilstmLayer: fn('bilstm_layer'),
    transpose: fn('transpose'),
    maxPoolGrad: fn('maxpool_grad'),
    seBlockGrad: fn('se_block_grad'),
    spinPowerSum: fn('spin_power_sum'),
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
