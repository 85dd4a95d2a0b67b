// Shared by spin_power_sum*.wgsl (prepended after the generated constants NB, the number of exponents
// 2K+1, and BETAS, GA-SPIN's β list; docs/models.md §7.3). Per element:
//   I = clamp((1 − λ)·(x + 1)/2 + λ·offset, 0, 1)   (AIN blend, §6.2–6.3 step 2)
//   I^β with 0^β = 0; d(I^β)/dI = β·I^(β−1), taken as 1 at I = 0 for β = 1 and 0 otherwise.
// Powers are exp2(β·log2 I) with log2 I computed once per element (WGSL's pow is that, 2K+1 times, and
// is undefined at 0): spinLog2 returns a flag for I ≤ 0 instead of −∞ (WGSL may assume no infinities).

fn spinBlend(x : f32, offset : f32, lam : f32) -> f32 {
  return (1.0 - lam) * ((x + 1.0) * 0.5) + lam * offset;
}

struct SpinLog {
  l : f32,       // log2 I, for I > 0
  zero : bool,   // I ≤ 0
};

fn spinLog2(i : f32) -> SpinLog {
  if (i <= 0.0) {
    return SpinLog(0.0, true);
  }
  return SpinLog(log2(i), false);
}

fn spinPow(li : SpinLog, beta : f32) -> f32 {
  if (li.zero) {
    return 0.0;
  }
  return exp2(beta * li.l);
}

fn spinPowGrad(li : SpinLog, beta : f32) -> f32 {
  if (li.zero) {
    return select(0.0, 1.0, beta == 1.0);
  }
  return beta * exp2((beta - 1.0) * li.l);
}
