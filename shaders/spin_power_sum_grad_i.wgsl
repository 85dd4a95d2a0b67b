// GA-SPIN power sum, gradient with respect to the blended intensity I (before the blend's chain rule,
// which spin_color's gradient applies with tfjs ops: dx = dI·(1−λ)/2, doffsets = dI·λ,
// dλ = Σ dI·(offsets − (x+1)/2)):
//   dI = dy · Σ_k weights[b, k]·β_k·I^{β_k − 1}, and 0 where the blend lies outside [0, 1] (the clamp).
// dy, x, offsets [B, H, W, C]; gate [B]; weights [B, NB] → dI [B, H, W, C]. One invocation per element.

fn main(index : i32) {
  if (index < uniforms.size) {
    let P = uniforms.xShape.y * uniforms.xShape.z * uniforms.xShape.w;
    let b = index / P;
    let v = spinBlend(x[index], offsets[index], gate[b]);
    if (!(v >= 0.0 && v <= 1.0)) {
      setOutputAtIndex(index, 0.0);
      return;
    }
    let li = spinLog2(v);
    var d = 0.0;
    for (var k = 0; k < NB; k++) {
      d = d + weights[b * NB + k] * spinPowGrad(li, BETAS[k]);
    }
    setOutputAtIndex(index, dy[index] * d);
  }
}
