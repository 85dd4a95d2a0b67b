// Shared by spin_power_sum*.wgsl (prepended after the generated constants NB, the number of exponents
// 2K+1, and BETAS, GA-SPIN's β list; MODELS.md §6.3). Per element:
//   I = clamp((1 − λ)·(x + 1)/2 + λ·offset, 0, 1)   (AIN blend, §6.2–6.3 step 2)
//   I^β with 0^β = 0; d(I^β)/dI = β·I^(β−1), taken as 1 at I = 0 for β = 1 and 0 otherwise.
// pow is evaluated only at I > 0 (WGSL's pow is undefined at 0).

fn spinBlend(x : f32, offset : f32, lam : f32) -> f32 {
  return (1.0 - lam) * ((x + 1.0) * 0.5) + lam * offset;
}

fn spinPow(i : f32, beta : f32) -> f32 {
  if (i <= 0.0) {
    return 0.0;
  }
  return pow(i, beta);
}

fn spinPowGrad(i : f32, beta : f32) -> f32 {
  if (i <= 0.0) {
    return select(0.0, 1.0, beta == 1.0);
  }
  return beta * pow(i, beta - 1.0);
}
