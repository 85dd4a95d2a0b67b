// Gradient of the per-sample CTC loss w.r.t. the raw logits, one invocation per logit (b, t, c):
//   dx(b, t, c) = dy_b · (softmax(t, c) − Σ_{s: l'(s) = c} exp(α_t(s) + β_t(s) − lp(t, c) − log p))
// i.e. softmax minus the posterior occupation of class c at frame t (Graves et al. 2006, eq. 16,
// taken through log_softmax). Frames t ≥ T_b get 0. An impossible alignment gets 0 with zeroInfinity,
// NaN otherwise (as PyTorch). α and its frame normalisers come from ctc_loss_alpha.wgsl, β from
// ctc_loss_beta.wgsl. Inputs: dy [B], logits [B, T, C], labels, labelLengths, inputLengths, alpha, beta.

fn main(index : i32) {
  if (index >= uniforms.size) {
    return;
  }
  let T = uniforms.numFrames;
  let C = uniforms.numClasses;
  let S = 2 * uniforms.maxLabel + 1;
  let W = S + 1;
  let c = index % C;
  let t = (index / C) % T;
  let b = index / (C * T);
  if (!sampleValid(b)) {
    if (uniforms.zeroInfinity != 0) {
      setOutputAtIndex(index, 0.0);
    } else {
      setOutputAtIndex(index, uniforms.NAN);
    }
    return;
  }
  if (t >= inputLengths[b]) {
    setOutputAtIndex(index, 0.0);
    return;
  }
  let Sb = 2 * labelLengths[b] + 1;
  let endRow = (b * T + inputLengths[b] - 1) * W;
  var logP = alpha[endRow + Sb - 1];
  if (Sb > 1) {
    logP = lse2(logP, alpha[endRow + Sb - 2]);
  }
  if (logP <= NEG_CUT) {
    if (uniforms.zeroInfinity != 0) {
      setOutputAtIndex(index, 0.0);
    } else {
      setOutputAtIndex(index, uniforms.NAN);
    }
    return;
  }
  let lpc = logits[index] - alpha[(b * T + t) * W + S];
  var occupation = 0.0;
  for (var s = 0; s < Sb; s++) {
    if (extLabel(b, s) == c) {
      let ab = alpha[(b * T + t) * W + s] + beta[(b * T + t) * S + s];
      if (ab > NEG_CUT) {
        occupation += exp(ab - lpc - logP);
      }
    }
  }
  setOutputAtIndex(index, dy[b] * (exp(lpc) - occupation));
}
