/**
 * The fused part of GA-SPIN's colour transform (docs/models.md §7.2–7.3) in TypeScript: the cpu and wasm
 * kernels, and the numerics the WGSL kernels are checked against. Per element of x [B, H, W, C]:
 *   I = clamp((1 − λ_b)·(x + 1)/2 + λ_b·offsets, 0, 1)     (the AIN blend; λ one scalar per image)
 *   S = Σ_k w_{b,k}·I^{β_k}                                 (0^β = 0)
 * Instance norm and 2σ(S) − 1 follow as tfjs ops (spin_color.ts). For inputs that honour the contract
 * (x in [−1, 1], offsets and λ in [0, 1]) the clamp changes nothing; outside it, it keeps I^β real.
 * Gradients: dI = dS·Σ_k w_k·β_k·I^{β_k − 1} (times the clamp's mask, 1 inside [0, 1] inclusive, as
 * torch.clamp), and dw_{b,k} = Σ_pixels dS·I^{β_k}. At I = 0 the term β·I^{β−1} is taken as 1 for β = 1
 * and 0 otherwise (for β < 1 it is +∞; a zero keeps training finite where the blend is exactly 0).
 * Powers are evaluated as exp(β·ln I) with ln I computed once per element (5× faster than Math.pow
 * for 2K+1 exponents; the same to ~1e−15).
 */

/** The AIN blend before the clamp. */
export function spinBlend(x: number, offset: number, gate: number): number {
  return (1 - gate) * ((x + 1) * 0.5) + gate * offset;
}

/** I^β from lnI = ln I (−∞ for I = 0, giving 0). */
export function spinPow(lnI: number, beta: number): number {
  return Math.exp(beta * lnI);
}

/** d(I^β)/dI from lnI = ln I, with the convention at I = 0 stated above. */
export function spinPowGrad(lnI: number, beta: number): number {
  if (lnI === -Infinity) return beta === 1 ? 1 : 0;
  return beta * Math.exp((beta - 1) * lnI);
}

/** ln of the clamped blend: −∞ when I ≤ 0. */
function lnIntensity(x: number, offset: number, gate: number): number {
  const i = Math.min(Math.max(spinBlend(x, offset, gate), 0), 1);
  return i <= 0 ? -Infinity : Math.log(i);
}

/** S [B·P] from x, offsets [B·P], gate [B], weights [B·NB]; P = H·W·C elements per image. */
export function spinPowerSumForward(
  x: Float32Array,
  offsets: Float32Array,
  gate: Float32Array,
  weights: Float32Array,
  betas: readonly number[],
  out: Float32Array,
): void {
  const B = gate.length;
  const P = x.length / B;
  const NB = betas.length;
  for (let b = 0; b < B; b++) {
    const lam = gate[b]!;
    for (let p = b * P; p < (b + 1) * P; p++) {
      const ln = lnIntensity(x[p]!, offsets[p]!, lam);
      let s = 0;
      for (let k = 0; k < NB; k++) s += weights[b * NB + k]! * spinPow(ln, betas[k]!);
      out[p] = s;
    }
  }
}

/** dI [B·P]: the gradient with respect to the blended intensity, before the blend's own chain rule. */
export function spinPowerSumGradI(
  dy: Float32Array,
  x: Float32Array,
  offsets: Float32Array,
  gate: Float32Array,
  weights: Float32Array,
  betas: readonly number[],
  out: Float32Array,
): void {
  const B = gate.length;
  const P = x.length / B;
  const NB = betas.length;
  for (let b = 0; b < B; b++) {
    const lam = gate[b]!;
    for (let p = b * P; p < (b + 1) * P; p++) {
      const v = spinBlend(x[p]!, offsets[p]!, lam);
      if (!(v >= 0 && v <= 1)) {
        out[p] = 0;
        continue;
      }
      const ln = v <= 0 ? -Infinity : Math.log(v);
      let d = 0;
      for (let k = 0; k < NB; k++) d += weights[b * NB + k]! * spinPowGrad(ln, betas[k]!);
      out[p] = dy[p]! * d;
    }
  }
}

/** dw [B·NB]: Σ over each image's elements of dS·I^{β_k}. */
export function spinPowerSumGradWeights(
  dy: Float32Array,
  x: Float32Array,
  offsets: Float32Array,
  gate: Float32Array,
  betas: readonly number[],
  out: Float32Array,
): void {
  const B = gate.length;
  const P = x.length / B;
  const NB = betas.length;
  out.fill(0);
  const acc = new Float64Array(NB);
  for (let b = 0; b < B; b++) {
    const lam = gate[b]!;
    acc.fill(0);
    for (let p = b * P; p < (b + 1) * P; p++) {
      const ln = lnIntensity(x[p]!, offsets[p]!, lam);
      const g = dy[p]!;
      for (let k = 0; k < NB; k++) acc[k]! += g * spinPow(ln, betas[k]!);
    }
    for (let k = 0; k < NB; k++) out[b * NB + k] = acc[k]!;
  }
}
