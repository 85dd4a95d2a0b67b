/**
 * CTC numerics in TypeScript: the cpu and wasm kernels, and the reference the WGSL kernels are tested
 * against (Graves et al. 2006, "Connectionist Temporal Classification", §4.1–4.2).
 *
 * For sample b with label l (length L) the extended label is l' = (blank, l1, blank, l2, …, lL, blank),
 * S = 2L + 1 states. With lp(t, c) = log_softmax(logits[b, t])[c] and Tb = inputLengths[b]:
 *   α_0(0) = lp(0, blank), α_0(1) = lp(0, l'1), α_0(s>1) = −∞
 *   α_t(s) = lp(t, l's) + lse(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) if l's ≠ blank and l's ≠ l'_{s−2})
 *   log p(l | x) = lse(α_{Tb−1}(S−1), α_{Tb−1}(S−2));  nll = −log p
 *   β is the mirror recursion from Tb−1 down (β includes the emission at t, like α).
 * The gradient of nll w.r.t. the raw logits (through log_softmax) is, for t < Tb,
 *   ∂nll/∂x(t, c) = softmax(t, c) − Σ_{s: l's = c} exp(α_t(s) + β_t(s) − lp(t, c) + nll)
 * (softmax minus the posterior occupation of class c at frame t), and 0 for t ≥ Tb.
 * An impossible alignment (Tb shorter than L plus the adjacent repeats) has nll = +∞; with
 * zeroInfinity it becomes 0 with a zero gradient (PyTorch `zero_infinity=True`), otherwise the
 * gradient is NaN, as PyTorch's.
 *
 * Arithmetic is in float64 here (the WGSL kernels run the same recursions in float32).
 */

export interface CtcDims {
  /** Batch. */
  B: number;
  /** Frames. */
  T: number;
  /** Classes, blank included. */
  C: number;
  /** Padded label length (labels are [B, L]). */
  L: number;
}

export interface CtcParams {
  blank: number;
  zeroInfinity: boolean;
}

function lse2(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** Log-softmax of sample b: out[t * C + c] for t < Tb. */
function logSoftmax(logits: Float32Array, b: number, Tb: number, d: CtcDims, out: Float64Array): void {
  for (let t = 0; t < Tb; t++) {
    const o = (b * d.T + t) * d.C;
    let m = -Infinity;
    for (let c = 0; c < d.C; c++) m = Math.max(m, logits[o + c]!);
    let s = 0;
    for (let c = 0; c < d.C; c++) s += Math.exp(logits[o + c]! - m);
    const z = m + Math.log(s);
    for (let c = 0; c < d.C; c++) out[t * d.C + c] = logits[o + c]! - z;
  }
}

interface Sample {
  S: number;
  Tb: number;
  ext: Int32Array;
  lp: Float64Array;
  alpha: Float64Array;
  logP: number;
}

function extendedLabel(labels: Int32Array, b: number, Lb: number, d: CtcDims, blank: number): Int32Array {
  const ext = new Int32Array(2 * Lb + 1).fill(blank);
  for (let i = 0; i < Lb; i++) ext[2 * i + 1] = labels[b * d.L + i]!;
  return ext;
}

/** α over [Tb, S] and log p for sample b. */
function forwardSample(
  logits: Float32Array,
  labels: Int32Array,
  labelLengths: Int32Array,
  inputLengths: Int32Array,
  b: number,
  d: CtcDims,
  blank: number,
): Sample {
  const Lb = labelLengths[b]!;
  const Tb = inputLengths[b]!;
  const ext = extendedLabel(labels, b, Lb, d, blank);
  const S = ext.length;
  const lp = new Float64Array(Tb * d.C);
  logSoftmax(logits, b, Tb, d, lp);
  const alpha = new Float64Array(Tb * S).fill(-Infinity);
  alpha[0] = lp[blank]!;
  if (S > 1) alpha[1] = lp[ext[1]!]!;
  for (let t = 1; t < Tb; t++) {
    const prev = (t - 1) * S;
    for (let s = 0; s < S; s++) {
      const k = ext[s]!;
      let a = alpha[prev + s]!;
      if (s >= 1) a = lse2(a, alpha[prev + s - 1]!);
      if (s >= 2 && k !== blank && k !== ext[s - 2]) a = lse2(a, alpha[prev + s - 2]!);
      alpha[t * S + s] = a === -Infinity ? -Infinity : a + lp[t * d.C + k]!;
    }
  }
  const last = (Tb - 1) * S;
  const logP = S > 1 ? lse2(alpha[last + S - 1]!, alpha[last + S - 2]!) : alpha[last + S - 1]!;
  return { S, Tb, ext, lp, alpha, logP };
}

/** Per-sample negative log-likelihood, nll[b] ([B]). */
export function ctcForward(
  logits: Float32Array,
  labels: Int32Array,
  labelLengths: Int32Array,
  inputLengths: Int32Array,
  d: CtcDims,
  p: CtcParams,
  nll: Float32Array,
): void {
  for (let b = 0; b < d.B; b++) {
    const { logP } = forwardSample(logits, labels, labelLengths, inputLengths, b, d, p.blank);
    nll[b] = logP === -Infinity ? (p.zeroInfinity ? 0 : Infinity) : -logP;
  }
}

/** dlogits[b, t, c] = dy[b] · ∂nll_b/∂logits[b, t, c] ([B, T, C]). */
export function ctcBackward(
  dy: Float32Array,
  logits: Float32Array,
  labels: Int32Array,
  labelLengths: Int32Array,
  inputLengths: Int32Array,
  d: CtcDims,
  p: CtcParams,
  dlogits: Float32Array,
): void {
  dlogits.fill(0);
  for (let b = 0; b < d.B; b++) {
    const { S, Tb, ext, lp, alpha, logP } = forwardSample(logits, labels, labelLengths, inputLengths, b, d, p.blank);
    const g = dy[b]!;
    if (logP === -Infinity) {
      if (!p.zeroInfinity) dlogits.fill(NaN, b * d.T * d.C, (b * d.T + Tb) * d.C);
      continue;
    }
    // β over [Tb, S], the mirror of α.
    const beta = new Float64Array(Tb * S).fill(-Infinity);
    const lastT = (Tb - 1) * S;
    beta[lastT + S - 1] = lp[(Tb - 1) * d.C + ext[S - 1]!]!;
    if (S > 1) beta[lastT + S - 2] = lp[(Tb - 1) * d.C + ext[S - 2]!]!;
    for (let t = Tb - 2; t >= 0; t--) {
      const next = (t + 1) * S;
      for (let s = 0; s < S; s++) {
        const k = ext[s]!;
        let v = beta[next + s]!;
        if (s + 1 < S) v = lse2(v, beta[next + s + 1]!);
        if (s + 2 < S && k !== p.blank && k !== ext[s + 2]) v = lse2(v, beta[next + s + 2]!);
        beta[t * S + s] = v === -Infinity ? -Infinity : v + lp[t * d.C + k]!;
      }
    }
    const occupation = new Float64Array(d.C);
    for (let t = 0; t < Tb; t++) {
      occupation.fill(0);
      for (let s = 0; s < S; s++) {
        const ab = alpha[t * S + s]! + beta[t * S + s]!;
        if (ab !== -Infinity) occupation[ext[s]!]! += Math.exp(ab - lp[t * d.C + ext[s]!]! - logP);
      }
      const o = (b * d.T + t) * d.C;
      for (let c = 0; c < d.C; c++) dlogits[o + c] = g * (Math.exp(lp[t * d.C + c]!) - occupation[c]!);
    }
  }
}
