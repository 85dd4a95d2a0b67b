// GA-SPIN structure-preserving power sum, forward (docs/models.md §7.3 steps 1–3, fused with the AIN blend):
//   S[b, h, w, c] = Σ_k weights[b, k] · I^{β_k},  I = clamp((1 − gate[b])·(x + 1)/2 + gate[b]·offsets, 0, 1)
// x, offsets [B, H, W, C]; gate [B]; weights [B, NB] → S [B, H, W, C]. One invocation per element.
// Instance norm and 2σ(S) − 1 are tfjs ops after this kernel (spin_color.ts).

fn main(index : i32) {
  if (index < uniforms.size) {
    let P = uniforms.xShape.y * uniforms.xShape.z * uniforms.xShape.w;
    let b = index / P;
    let li = spinLog2(clamp(spinBlend(x[index], offsets[index], gate[b]), 0.0, 1.0));
    var s = 0.0;
    for (var k = 0; k < NB; k++) {
      s = s + weights[b * NB + k] * spinPow(li, BETAS[k]);
    }
    setOutputAtIndex(index, s);
  }
}
