// CTC helpers shared by the ctc_loss_*.wgsl kernel bodies (prepended to each; see ctc_loss_alpha.wgsl
// for the algorithm). Every CTC program has the uniforms
//   numBatch B, numFrames T, numClasses C, maxLabel Lmax, blank, zeroInfinity (0/1)
// and the int32 inputs labels [B, Lmax], labelLengths [B], inputLengths [B].
//
// log 0 is the finite sentinel NEG, not −∞: WGSL does not promise IEEE infinities, so lse2 treats
// anything at or below NEG_CUT as log 0 and never forms ∞ − ∞.

const NEG : f32 = -1.0e30;
const NEG_CUT : f32 = -1.0e29;

fn lse2(a : f32, b : f32) -> f32 {
  let m = max(a, b);
  if (m <= NEG_CUT) {
    return NEG;
  }
  return m + log(exp(a - m) + exp(b - m));
}

// A sample the kernels can run: lengths in range, labels in [0, C) and not the blank. Anything else is
// treated as an impossible alignment (the host-side checks reject it on cpu/wasm; here it must not
// read out of bounds).
fn sampleValid(b : i32) -> bool {
  let n = labelLengths[b];
  let tb = inputLengths[b];
  if (n < 0 || n > uniforms.maxLabel || tb < 1 || tb > uniforms.numFrames) {
    return false;
  }
  for (var i = 0; i < n; i++) {
    let k = labels[b * uniforms.maxLabel + i];
    if (k < 0 || k >= uniforms.numClasses || k == uniforms.blank) {
      return false;
    }
  }
  return true;
}

// l'(s): the extended label (blank, l1, blank, l2, …, blank).
fn extLabel(b : i32, s : i32) -> i32 {
  if ((s & 1) == 0) {
    return uniforms.blank;
  }
  return labels[b * uniforms.maxLabel + (s - 1) / 2];
}

// Whether α_t(s) may come from α_{t−1}(s−2): l'(s) is not blank and differs from l'(s−2).
fn canSkip(b : i32, s : i32) -> bool {
  if (s < 2 || (s & 1) == 0) {
    return false;
  }
  return extLabel(b, s) != extLabel(b, s - 2);
}
