// CTC backward variables β in log space, one invocation per sample (Graves et al. 2006, §4.1), the
// mirror of α (ctc_loss_alpha.wgsl; same reasons for the layout). β includes the emission at t:
//   β_{T_b−1}(S_b−1) = lp(T_b−1, blank), β_{T_b−1}(S_b−2) = lp(T_b−1, l_L)
//   β_t(s) = lp(t, l'(s)) + lse(β_{t+1}(s), β_{t+1}(s+1), β_{t+1}(s+2) if l'(s) ≠ blank, l'(s) ≠ l'(s+2))
// Output [B, T, S], S = 2·Lmax + 1, also the scratch of the recursion. lp(t, c) uses the frame
// normaliser in column S of alpha. Inputs: logits, labels, labelLengths, inputLengths, alpha.

fn main(index : i32) {
  if (index >= uniforms.numBatch) {
    return;
  }
  let b = index;
  let T = uniforms.numFrames;
  let C = uniforms.numClasses;
  let S = 2 * uniforms.maxLabel + 1;
  let W = S + 1;
  let base = b * T * S;
  for (var i = 0; i < T * S; i++) {
    result[base + i] = NEG;
  }
  if (!sampleValid(b)) {
    return;
  }
  let Sb = 2 * labelLengths[b] + 1;
  let Tb = inputLengths[b];
  let lastRow = base + (Tb - 1) * S;
  let lastZ = alpha[(b * T + Tb - 1) * W + S];
  let lastLogits = (b * T + Tb - 1) * C;
  result[lastRow + Sb - 1] = logits[lastLogits + uniforms.blank] - lastZ;
  if (Sb > 1) {
    result[lastRow + Sb - 2] = logits[lastLogits + extLabel(b, Sb - 2)] - lastZ;
  }
  for (var t = Tb - 2; t >= 0; t--) {
    let next = base + (t + 1) * S;
    let row = base + t * S;
    let z = alpha[(b * T + t) * W + S];
    for (var s = 0; s < Sb; s++) {
      var v = result[next + s];
      if (s + 1 < Sb) {
        v = lse2(v, result[next + s + 1]);
      }
      if (s + 2 < Sb && canSkip(b, s + 2)) {
        v = lse2(v, result[next + s + 2]);
      }
      if (v > NEG_CUT) {
        result[row + s] = v + logits[(b * T + t) * C + extLabel(b, s)] - z;
      }
    }
  }
}
