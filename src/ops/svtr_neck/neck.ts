/**
 * Numerics of the fused SVTR neck (the cpu and wasm kernels): src/models/sequence/svtr.ts's inference
 * forward in one call, per image of the batch, on the host (or the wasm heap) with every product a GEMM
 * (`Gemm`: TypeScript, or the SIMD module's). Layouts:
 * - x [T, B, C] (the sequence the builder hands the neck), out [T, B, dims];
 * - convs j = 0…4 with BatchNorm folded (nn.ts foldConvBn): w [1, k, Cin, Cout] read as [k·Cin, Cout], b [Cout];
 *   0: 1×k, C → mid; 1: 1×1, mid → hidden; 2: 1×1, hidden → C; 3: 1×k, 2C → mid (on [x, conv 2's output]);
 *   4: 1×1, mid → dims; each followed by swish; the 1×k convs pad k/2 zeros at both ends of the sequence;
 * - per block: LayerNorm γ, β [hidden]; qkv [hidden, 3·hidden] + [3·hidden]; proj [hidden, hidden] + [hidden];
 *   LayerNorm; fc1 [hidden, mlp] + [mlp]; fc2 [mlp, hidden] + [hidden]; then the final LayerNorm.
 * A 1×k conv is an im2col of the k neighbouring rows then one GEMM; attention runs head by head: scores =
 * (q·scale)·kᵀ, a row softmax, then ·v into the head's columns.
 */
import type { Gemm, Ref } from '../simd/host_gemm.ts';

export interface NeckDims {
  batch: number;
  /** T: sequence length (feature-map width). */
  frames: number;
  /** C: the backbone's channels. */
  channels: number;
  /** C/8: the 1×k convs' output. */
  mid: number;
  hidden: number;
  heads: number;
  mlp: number;
  dims: number;
  kernel: number;
  depth: number;
  lnEps: number;
  finalLnEps: number;
}

export interface NeckBlockRefs {
  ln1g: Ref;
  ln1b: Ref;
  qkvW: Ref;
  qkvB: Ref;
  projW: Ref;
  projB: Ref;
  ln2g: Ref;
  ln2b: Ref;
  fc1W: Ref;
  fc1B: Ref;
  fc2W: Ref;
  fc2B: Ref;
}

export interface NeckBuffers {
  x: Ref;
  convW: Ref[];
  convB: Ref[];
  blocks: NeckBlockRefs[];
  normG: Ref;
  normB: Ref;
  out: Ref;
  /** `neckScratchFloats(d)` floats; contents on entry do not matter. */
  scratch: Ref;
}

/** Per-image scratch: im2col rows, conv outputs, tokens, LayerNorm, qkv, a head's q and kᵀ, scores, heads' output, MLP. */
function layout(d: NeckDims): Record<'col' | 'z0' | 's' | 'ln' | 'qkv' | 'q' | 'kt' | 'att' | 'o' | 'm' | 'z2' | 'z3' | 'end', number> {
  const { frames: T, channels: C, mid, hidden: H, mlp, kernel: k } = d;
  const dh = H / d.heads;
  const sizes = { col: T * k * 2 * C, z0: T * mid, s: T * H, ln: T * H, qkv: T * 3 * H, q: T * dh, kt: dh * T, att: T * T, o: T * H, m: T * mlp, z2: T * C, z3: T * mid };
  const at = {} as Record<'col' | 'z0' | 's' | 'ln' | 'qkv' | 'q' | 'kt' | 'att' | 'o' | 'm' | 'z2' | 'z3' | 'end', number>;
  let o = 0;
  for (const [name, n] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    at[name] = o;
    o += n;
  }
  at.end = o;
  return at;
}

export function neckScratchFloats(d: NeckDims): number {
  return layout(d).end;
}

const swish = (v: number): number => v / (1 + Math.exp(-v));

/** rows × n floats at a (absolute offset, row stride lda) ← bias, then += A·W (GEMM), then swish in place. */
function denseSwish(rows: number, n: number, k: number, a: Ref, lda: number, w: Ref, bias: Ref, c: Ref, ldc: number, gemm: Gemm, act: boolean): void {
  const C = c.a;
  for (let r = 0; r < rows; r++) C.set(bias.a.subarray(bias.o, bias.o + n), c.o + r * ldc);
  gemm(rows, n, k, a, lda, w, n, c, ldc);
  if (!act) return;
  for (let r = 0; r < rows; r++) {
    const o = c.o + r * ldc;
    for (let j = 0; j < n; j++) C[o + j] = swish(C[o + j]!);
  }
}

/** LayerNorm over each row of [rows, n] (biased variance), src → dst. */
function layerNorm(S: Float32Array, src: number, dst: number, rows: number, n: number, g: Ref, b: Ref, eps: number): void {
  const G = g.a;
  const B = b.a;
  for (let r = 0; r < rows; r++) {
    const i = src + r * n;
    const o = dst + r * n;
    let mean = 0;
    for (let j = 0; j < n; j++) mean += S[i + j]!;
    mean = Math.fround(mean / n);
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = Math.fround(S[i + j]! - mean);
      v += d * d;
    }
    const inv = 1 / Math.sqrt(Math.fround(Math.fround(v / n) + eps));
    for (let j = 0; j < n; j++) S[o + j] = (S[i + j]! - mean) * inv * G[g.o + j]! + B[b.o + j]!;
  }
}

/** The neck's inference forward: fills `out` [T, B, dims]. */
export function svtrNeck(d: NeckDims, buf: NeckBuffers, gemm: Gemm): void {
  const { batch: B, frames: T, channels: C, mid, hidden: H, heads, mlp, dims, kernel: k } = d;
  const dh = H / heads;
  const scale = dh ** -0.5;
  const pad = Math.floor(k / 2);
  const S = buf.scratch.a;
  const base = buf.scratch.o;
  const L = layout(d);
  const at = (name: keyof typeof L): number => base + L[name];
  const R = (o: number): Ref => ({ a: S, o });
  const X = buf.x.a;
  /** im2col of a 1×k conv over T positions whose input row u is `row(u)` (cin floats), zeros past the ends. */
  const im2col = (cin: number, fill: (u: number, dst: number) => void): void => {
    const col = at('col');
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < k; j++) {
        const u = t + j - pad;
        const dst = col + (t * k + j) * cin;
        if (u < 0 || u >= T) S.fill(0, dst, dst + cin);
        else fill(u, dst);
      }
    }
  };
  const xRow = (b: number, u: number): number => buf.x.o + (u * B + b) * C;
  for (let b = 0; b < B; b++) {
    // conv 0 (1×k, C → mid) + swish; conv 1 (1×1 → hidden) + swish: the tokens s [T, H].
    im2col(C, (u, dst) => S.set(X.subarray(xRow(b, u), xRow(b, u) + C), dst));
    denseSwish(T, mid, k * C, R(at('col')), k * C, buf.convW[0]!, buf.convB[0]!, R(at('z0')), mid, gemm, true);
    denseSwish(T, H, mid, R(at('z0')), mid, buf.convW[1]!, buf.convB[1]!, R(at('s')), H, gemm, true);
    const s = at('s');
    const ln = at('ln');
    for (const blk of buf.blocks) {
      // s += proj(attention(LN(s)))
      layerNorm(S, s, ln, T, H, blk.ln1g, blk.ln1b, d.lnEps);
      denseSwish(T, 3 * H, H, R(ln), H, blk.qkvW, blk.qkvB, R(at('qkv')), 3 * H, gemm, false);
      const qkv = at('qkv');
      const q = at('q');
      const kt = at('kt');
      const att = at('att');
      const o = at('o');
      S.fill(0, o, o + T * H);
      for (let h = 0; h < heads; h++) {
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < dh; i++) {
            S[q + t * dh + i] = S[qkv + t * 3 * H + h * dh + i]! * scale;
            S[kt + i * T + t] = S[qkv + t * 3 * H + H + h * dh + i]!;
          }
        }
        S.fill(0, att, att + T * T);
        gemm(T, T, dh, R(q), dh, R(kt), T, R(att), T);
        for (let t = 0; t < T; t++) {
          const r = att + t * T;
          let max = -Infinity;
          for (let u = 0; u < T; u++) max = Math.max(max, S[r + u]!);
          let sum = 0;
          for (let u = 0; u < T; u++) {
            const e = Math.exp(S[r + u]! - max);
            S[r + u] = e;
            sum += e;
          }
          for (let u = 0; u < T; u++) S[r + u] = S[r + u]! / sum;
        }
        gemm(T, dh, T, R(att), T, R(qkv + 2 * H + h * dh), 3 * H, R(o + h * dh), H);
      }
      gemm(T, H, H, R(o), H, blk.projW, H, R(s), H);
      for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) S[s + t * H + j] = S[s + t * H + j]! + blk.projB.a[blk.projB.o + j]!;
      // s += fc2(swish(fc1(LN(s))))
      layerNorm(S, s, ln, T, H, blk.ln2g, blk.ln2b, d.lnEps);
      denseSwish(T, mlp, H, R(ln), H, blk.fc1W, blk.fc1B, R(at('m')), mlp, gemm, true);
      gemm(T, H, mlp, R(at('m')), mlp, blk.fc2W, H, R(s), H);
      for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) S[s + t * H + j] = S[s + t * H + j]! + blk.fc2B.a[blk.fc2B.o + j]!;
    }
    layerNorm(S, s, ln, T, H, buf.normG, buf.normB, d.finalLnEps);
    // conv 2 (1×1, hidden → C) + swish; conv 3 (1×k over [x, conv 2], 2C → mid) + swish; conv 4 (1×1 → dims) + swish.
    denseSwish(T, C, H, R(ln), H, buf.convW[2]!, buf.convB[2]!, R(at('z2')), C, gemm, true);
    const z2 = at('z2');
    im2col(2 * C, (u, dst) => {
      S.set(X.subarray(xRow(b, u), xRow(b, u) + C), dst);
      S.copyWithin(dst + C, z2 + u * C, z2 + (u + 1) * C);
    });
    denseSwish(T, mid, k * 2 * C, R(at('col')), k * 2 * C, buf.convW[3]!, buf.convB[3]!, R(at('z3')), mid, gemm, true);
    denseSwish(T, dims, mid, R(at('z3')), mid, buf.convW[4]!, buf.convB[4]!, { a: buf.out.a, o: buf.out.o + b * dims }, B * dims, gemm, true);
  }
}
