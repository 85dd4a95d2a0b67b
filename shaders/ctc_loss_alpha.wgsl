// CTC forward variables α in log space, one invocation per sample (Graves et al. 2006, §4.1).
//
// Output [B, T, S + 1] with S = 2·Lmax + 1: columns 0..S−1 hold log α_t(s) over the extended label
// l' = (blank, l1, blank, …, lL, blank); column S holds the frame's log-softmax normaliser
// z_t = logsumexp_c logits[b, t, c], so lp(t, c) = logits[b, t, c] − z_t. The output buffer doubles as
// the recursion's scratch: the invocation reads back row t−1 it wrote itself.
//   α_0(0) = lp(0, blank), α_0(1) = lp(0, l1)
//   α_t(s) = lp(t, l'(s)) + lse(α_{t−1}(s), α_{t−1}(s−1), α_{t−1}(s−2) if l'(s) ≠ blank, l'(s) ≠ l'(s−2))
// Rows t ≥ T_b and states s ≥ 2·L_b + 1 stay log 0 (NEG).
//
// Why one invocation per sample: the recursion is sequential in t and only ≤ 2·Lmax + 1 wide (51 for
// the 25-character recipes), too narrow to pay for a workgroup barrier per frame; a training batch
// (64–256 samples) gives that many invocations, and the gradient kernel, where the T·C·S work is, runs
// one invocation per logit. Inputs: logits [B, T, C], labels, labelLengths, inputLengths.

fn main(index : i32) {
  if (index >= uniforms.numBatch) {
    return;
  }
  let b = index;
  let T = uniforms.numFrames;
  let C = uniforms.numClasses;
  let S = 2 * uniforms.maxLabel + 1;
  let W = S + 1;
  let base = b * T * W;
  for (var t = 0; t < T; t++) {
    let o = (b * T + t) * C;
    var m = logits[o];
    for (var c = 1; c < C; c++) {
      m = max(m, logits[o + c]);
    }
    var sum = 0.0;
    for (var c = 0; c < C; c++) {
      sum += exp(logits[o + c] - m);
    }
    result[base + t * W + S] = m + log(sum);
    for (var s = 0; s < S; s++) {
      result[base + t * W + s] = NEG;
    }
  }
  if (!sampleValid(b)) {
    return;
  }
  let Sb = 2 * labelLengths[b] + 1;
  let Tb = inputLengths[b];
  result[base] = logits[b * T * C + uniforms.blank] - result[base + S];
  if (Sb > 1) {
    result[base + 1] = logits[b * T * C + extLabel(b, 1)] - result[base + S];
  }
  for (var t = 1; t < Tb; t++) {
    let prev = base + (t - 1) * W;
    let row = base + t * W;
    let z = result[row + S];
    for (var s = 0; s < Sb; s++) {
      var a = result[prev + s];
      if (s >= 1) {
        a = lse2(a, result[prev + s - 1]);
      }
      if (canSkip(b, s)) {
        a = lse2(a, result[prev + s - 2]);
      }
      if (a > NEG_CUT) {
        result[row + s] = a + logits[(b * T + t) * C + extLabel(b, s)] - z;
      }
    }
  }
}
