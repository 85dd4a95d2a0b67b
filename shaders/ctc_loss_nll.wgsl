// CTC per-sample loss from α (ctc_loss_alpha.wgsl), one invocation per sample:
//   nll_b = −lse(α_{T_b−1}(S_b − 1), α_{T_b−1}(S_b − 2)),  S_b = 2·L_b + 1.
// An impossible alignment (log p = log 0) gives +∞, or 0 with zeroInfinity (PyTorch zero_infinity).
// Inputs: alpha [B, T, S + 1], labels, labelLengths, inputLengths. Output [B].

fn logLikelihood(b : i32) -> f32 {
  if (!sampleValid(b)) {
    return NEG;
  }
  let T = uniforms.numFrames;
  let W = 2 * uniforms.maxLabel + 2;
  let row = (b * T + inputLengths[b] - 1) * W;
  let last = 2 * labelLengths[b];
  var p = alpha[row + last];
  if (last > 0) {
    p = lse2(p, alpha[row + last - 1]);
  }
  return p;
}

fn main(index : i32) {
  if (index >= uniforms.numBatch) {
    return;
  }
  let p = logLikelihood(index);
  if (p <= NEG_CUT) {
    if (uniforms.zeroInfinity != 0) {
      setOutputAtIndex(index, 0.0);
    } else {
      setOutputAtIndex(index, uniforms.INFINITY);
    }
  } else {
    setOutputAtIndex(index, -p);
  }
}
