/**
 * Numerics of the fused greedy attention decoder (the cpu and wasm kernels): the whole inference loop of
 * src/models/heads/attention.ts in one call, with the same weight layouts as its compile() builds:
 * - hs [B, T, D], proj = hs·i2h [B, T, H];
 * - h2hW [H, H], h2hB [H], score [H, 1]; wCtx [D, G·H], wEmb [C, G·H] (input bias folded in; LSTM: both
 *   biases), wHh [H, G·H], bHh [G·H] (GRU only); genW [H, C], genB [C]; classBias [C] or none;
 * - out: logits [B, steps, C] (without classBias; the bias only steers the argmax that is fed back).
 * GRU gates [r, z, n], LSTM [i, f, g, o]; the first step reads class 0 ([GO]). All rows of the batch step
 * together, so every product is one [B, K]·[K, N] GEMM (`Gemm`: the TypeScript loop below, or the wasm
 * SIMD module's on the backend's heap).
 */
import type { Gemm, Ref } from '../simd/host_gemm.ts';

export { gemmTs, type Gemm, type Ref } from '../simd/host_gemm.ts';

export type DecodeCell = 'gru' | 'lstm';

export interface DecodeDims {
  batch: number;
  /** T: encoder frames. */
  frames: number;
  /** D: encoder features. */
  features: number;
  hidden: number;
  classes: number;
  steps: number;
  cell: DecodeCell;
  /**
   * Early stop (inference through the recognizer): once every row of the batch has fed back this class
   * (EOS), the remaining steps are not computed and their logits are zeros. The codec reads each row
   * only up to its first EOS, so the text and confidences are those of the full loop. −1 or absent: all
   * steps.
   */
  eos?: number;
}

export interface DecodeBuffers {
  hs: Ref;
  proj: Ref;
  h2hW: Ref;
  h2hB: Ref;
  score: Ref;
  wCtx: Ref;
  wEmb: Ref;
  wHh: Ref;
  bHh: Ref;
  genW: Ref;
  genB: Ref;
  classBias: Ref | null;
  out: Ref;
  /** `scratchFloats(d)` floats; contents on entry do not matter. */
  scratch: Ref;
}

export function gateCount(cell: DecodeCell): number {
  return cell === 'gru' ? 3 : 4;
}

/** Floats of scratch one call needs: per row hp [H], scores [T], ctx [D], gi and gh [G·H], h and c [H]. */
export function scratchFloats(d: DecodeDims): number {
  const gh = gateCount(d.cell) * d.hidden;
  return d.batch * (3 * d.hidden + d.frames + d.features + 2 * gh);
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

const POW2 = Float64Array.from({ length: 61 }, (_, i) => 2 ** (i - 30));

/**
 * tanh for the score loop (T·H calls per step and word: Math.tanh there cost more than all the GEMMs):
 * 1 − 2/(e^{2x} + 1) with e^y = 2^k·e^r, |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial; |x| clamped
 * at 9 (tanh 9 = 1 − 3e−8). Absolute error below 1e−7; NaN stays NaN.
 */
export function tanhFast(v: number): number {
  const y = v > 9 ? 18 : v < -9 ? -18 : 2 * v;
  const k = Math.round(y * Math.LOG2E);
  const r = y - k * Math.LN2;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r / 5040))))));
  return 1 - 2 / (p * POW2[k + 30]! + 1);
}

/** n floats of `src` from `from` (relative) to dst[to] (absolute). */
function copy(src: Ref, from: number, dst: Float32Array, to: number, n: number): void {
  dst.set(src.a.subarray(src.o + from, src.o + from + n), to);
}

const at = (r: Ref, off: number): Ref => ({ a: r.a, o: r.o + off });

/** The greedy decode: fills `out` with the logits of every step. */
export function attentionDecode(d: DecodeDims, buf: DecodeBuffers, gemm: Gemm): void {
  const { batch: B, frames: T, features: D, hidden: H, classes: C, steps } = d;
  const GH = gateCount(d.cell) * H;
  const S = buf.scratch.a;
  const R = (o: number): Ref => ({ a: S, o });
  // Scratch rows (absolute offsets into S).
  const hp = buf.scratch.o;
  const sc = hp + B * H;
  const ctx = sc + B * T;
  const gi = ctx + B * D;
  const gh = gi + B * GH;
  const h = gh + B * GH;
  const c = h + B * H;
  S.fill(0, h, c + B * H);
  const prev = new Int32Array(B); // [GO]
  const eos = d.eos ?? -1;
  let open = B; // rows that have not fed back EOS yet
  const done = new Uint8Array(B);
  const { proj, score, out } = buf;
  const P = proj.a;
  const W = score.a;
  const O = out.a;
  const bias = buf.classBias;
  for (let step = 0; step < steps; step++) {
    // hp = h·h2hW + h2hB
    for (let b = 0; b < B; b++) copy(buf.h2hB, 0, S, hp + b * H, H);
    gemm(B, H, H, R(h), H, buf.h2hW, H, R(hp), H);
    // α = softmax_t(score · tanh(proj_t + hp)), ctx = Σ_t α_t·hs_t
    for (let b = 0; b < B; b++) {
      const e = sc + b * T;
      const hb = hp + b * H;
      let max = -Infinity;
      for (let t = 0; t < T; t++) {
        const pr = proj.o + (b * T + t) * H;
        let sum = 0;
        for (let k = 0; k < H; k++) sum += W[score.o + k]! * tanhFast(P[pr + k]! + S[hb + k]!);
        S[e + t] = sum;
        if (S[e + t]! > max) max = S[e + t]!;
      }
      let total = 0;
      for (let t = 0; t < T; t++) {
        const v = Math.exp(S[e + t]! - max);
        S[e + t] = v;
        total += v;
      }
      for (let t = 0; t < T; t++) S[e + t] = S[e + t]! / total;
      S.fill(0, ctx + b * D, ctx + (b + 1) * D);
      gemm(1, D, T, R(e), T, at(buf.hs, b * T * D), D, R(ctx + b * D), D);
    }
    // gi = ctx·wCtx + wEmb[prev]
    for (let b = 0; b < B; b++) copy(buf.wEmb, prev[b]! * GH, S, gi + b * GH, GH);
    gemm(B, GH, D, R(ctx), D, buf.wCtx, GH, R(gi), GH);
    if (d.cell === 'gru') {
      for (let b = 0; b < B; b++) copy(buf.bHh, 0, S, gh + b * GH, GH);
      gemm(B, GH, H, R(h), H, buf.wHh, GH, R(gh), GH);
      for (let b = 0; b < B; b++) {
        const i0 = gi + b * GH;
        const h0 = gh + b * GH;
        const hb = h + b * H;
        for (let j = 0; j < H; j++) {
          const r = sigmoid(S[i0 + j]! + S[h0 + j]!);
          const z = sigmoid(S[i0 + H + j]! + S[h0 + H + j]!);
          const n = Math.tanh(S[i0 + 2 * H + j]! + r * S[h0 + 2 * H + j]!);
          S[hb + j] = n + z * (S[hb + j]! - n);
        }
      }
    } else {
      gemm(B, GH, H, R(h), H, buf.wHh, GH, R(gi), GH);
      for (let b = 0; b < B; b++) {
        const g0 = gi + b * GH;
        const hb = h + b * H;
        const cb = c + b * H;
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(S[g0 + j]!);
          const fg = sigmoid(S[g0 + H + j]!);
          const gg = Math.tanh(S[g0 + 2 * H + j]!);
          const og = sigmoid(S[g0 + 3 * H + j]!);
          S[cb + j] = fg * S[cb + j]! + ig * gg;
          S[hb + j] = og * Math.tanh(S[cb + j]!);
        }
      }
    }
    // logits = h·genW + genB, into out[b, step]; the fed-back class is argmax(logits + classBias).
    for (let b = 0; b < B; b++) copy(buf.genB, 0, O, out.o + (b * steps + step) * C, C);
    gemm(B, C, H, R(h), H, buf.genW, C, at(out, step * C), steps * C);
    for (let b = 0; b < B; b++) {
      const row = out.o + (b * steps + step) * C;
      let best = 0;
      let max = -Infinity;
      for (let k = 0; k < C; k++) {
        const v = bias === null ? O[row + k]! : Math.fround(O[row + k]! + bias.a[bias.o + k]!);
        if (v > max) {
          max = v;
          best = k;
        }
      }
      prev[b] = best;
      if (best === eos && done[b] === 0) {
        done[b] = 1;
        open--;
      }
    }
    if (open === 0 && step + 1 < steps) {
      for (let b = 0; b < B; b++) O.fill(0, out.o + (b * steps + step + 1) * C, out.o + (b + 1) * steps * C);
      break;
    }
  }
}
