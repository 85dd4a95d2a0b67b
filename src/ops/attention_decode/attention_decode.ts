/**
 * `attentionDecode`: the greedy loop of the attention head (src/models/heads/attention.ts) as one kernel
 * on cpu, wasm and webgpu (shaders/attention_decode.wgsl), inference only (no teacher forcing, no
 * gradient): what took ~35 small tfjs ops per step. Numerics and layouts in ./decode.ts. Training, and
 * webgpu shapes beyond its workgroup memory, keep the head's unrolled tf ops (`canFuseAttentionDecode`).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';
import { gateCount, type DecodeCell } from './decode.ts';

export const ATTENTION_DECODE = 'WebstrAttentionDecode';

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements and tests. */
export function setAttentionDecodeEnabled(on: boolean): void {
  enabled = on;
}

let earlyStop = true;

/** Switches the early stop at EOS (`eos`) off and on again: for before/after measurements. */
export function setAttentionEarlyStopEnabled(on: boolean): void {
  earlyStop = on;
}

/** Rows up to which the TypeScript GEMMs beat tfjs-wasm's batched matMuls (wasm without our SIMD module). */
export const TS_WASM_MAX_BATCH = 8;

/** The sizes the webgpu kernel's workgroup memory depends on. */
export interface DecodeShape {
  frames: number;
  features: number;
  hidden: number;
}

/** WebGPU's default workgroup memory, in floats (16 KiB). */
const WEBGPU_WORKGROUP_FLOATS = 4096;

const pow2AtLeast = (n: number, min: number): number => {
  let p = min;
  while (p < n) p *= 2;
  return p;
};

/**
 * Compile-time sizes of the webgpu kernel: lanes per workgroup (a power of two covering the widest
 * phase, at most 256, WebGPU's default limit) and the score array (T rounded up to a power of two, so
 * a new input width rarely compiles a new pipeline); null when the state, scores, context and argmax
 * slots (4·H + maxT + D + 2·lanes floats) do not fit in workgroup memory.
 */
export function webgpuDecodeLayout(s: DecodeShape): { lanes: number; maxT: number } | null {
  const lanes = Math.min(256, pow2AtLeast(Math.max(s.hidden, s.features, s.frames), 64));
  const maxT = pow2AtLeast(s.frames, 32);
  return 4 * s.hidden + maxT + s.features + 2 * lanes <= WEBGPU_WORKGROUP_FLOATS ? { lanes, maxT } : null;
}

/**
 * True when the fused path is on, the active backend has the kernel, no gradient tape records and, on
 * wasm without the SIMD module (a page's main thread, threaded builds), the batch is small enough to win;
 * on webgpu, when `shape` is given and fits the kernel's workgroup memory.
 */
export function canFuseAttentionDecode(batch = 1, shape?: DecodeShape): boolean {
  const name = tf.getBackend();
  if (!enabled || tf.engine().state.gradientDepth > 0 || tf.getKernel(ATTENTION_DECODE, name) === undefined) return false;
  if (name === 'webgpu') return shape !== undefined && webgpuDecodeLayout(shape) !== null;
  return name !== 'wasm' || batch <= TS_WASM_MAX_BATCH || simdFor(tf.backend(), name) !== null;
}

export interface AttentionDecodeWeights {
  h2hW: Tensor;
  h2hB: Tensor;
  score: Tensor;
  wCtx: Tensor;
  wEmb: Tensor;
  wHh: Tensor;
  bHh: Tensor;
  genW: Tensor;
  genB: Tensor;
}

export interface AttentionDecodeOptions {
  cell: DecodeCell;
  steps: number;
  /** [C] added to the logits before each step's argmax (not to the returned logits). */
  classBias?: Tensor | null;
  /**
   * The EOS class, for an early stop: on cpu and wasm the loop ends once every row has fed back EOS and
   * the later steps' logits are zeros (decode.ts). webgpu runs every step (one workgroup per row, no
   * batch-wide exit to gain). Either way the text up to each row's first EOS is the same.
   */
  eos?: number;
}

/** hs [B, T, D], proj = hs·i2h [B, T, H] → logits [B, steps, C]. */
export function attentionDecode(hs: Tensor, proj: Tensor, w: AttentionDecodeWeights, opts: AttentionDecodeOptions): Tensor {
  const { cell, steps } = opts;
  if (cell !== 'gru' && cell !== 'lstm') throw new InvalidArgumentError(`attentionDecode: cell must be 'gru' or 'lstm', got '${String(cell)}'`);
  if (!Number.isInteger(steps) || steps <= 0) throw new InvalidArgumentError(`attentionDecode: steps must be a positive integer, got ${steps}`);
  if (hs.rank !== 3) throw new InvalidArgumentError(`attentionDecode: hs must be [B, T, D], got [${hs.shape.join(', ')}]`);
  const [B, T, D] = hs.shape as [number, number, number];
  const H = w.h2hB.shape[0] ?? 0;
  const C = w.genB.shape[0] ?? 0;
  const GH = gateCount(cell) * H;
  const expected: [string, Tensor, number[]][] = [
    ['proj', proj, [B, T, H]],
    ['h2hW', w.h2hW, [H, H]],
    ['h2hB', w.h2hB, [H]],
    ['score', w.score, [H, 1]],
    ['wCtx', w.wCtx, [D, GH]],
    ['wEmb', w.wEmb, [C, GH]],
    ['wHh', w.wHh, [H, GH]],
    ['bHh', w.bHh, [GH]],
    ['genW', w.genW, [H, C]],
    ['genB', w.genB, [C]],
  ];
  const bias = opts.classBias ?? null;
  if (bias !== null) expected.push(['classBias', bias, [C]]);
  for (const [name, t, shape] of [['hs', hs, [B, T, D]] as [string, Tensor, number[]], ...expected]) {
    if (t.dtype !== 'float32') throw new InvalidArgumentError(`attentionDecode: ${name} must be float32, got ${t.dtype}`);
    if (t.shape.join(',') !== shape.join(',')) throw new InvalidArgumentError(`attentionDecode: ${name} must be [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  if (H === 0 || C === 0 || T === 0) throw new InvalidArgumentError(`attentionDecode: empty hidden (${H}), classes (${C}) or frames (${T})`);
  const inputs: Record<string, Tensor> = { hs, proj, ...w };
  if (bias !== null) inputs.classBias = bias;
  const eos = opts.eos ?? -1;
  if (!Number.isInteger(eos) || eos < -1 || eos >= C) throw new InvalidArgumentError(`attentionDecode: eos must be a class index in [0, ${C}) or −1, got ${eos}`);
  return tf.engine().runKernel<Tensor>(ATTENTION_DECODE, inputs, { cell, steps, eos: earlyStop ? eos : -1 });
}
