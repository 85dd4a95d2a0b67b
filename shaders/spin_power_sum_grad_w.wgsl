// GA-SPIN power sum, gradient with respect to the per-image weights: a reduction over each image,
//   dw[b, k] = Σ_{h,w,c} dy[b, h, w, c] · I[b, h, w, c]^{β_k}.
// dy, x, offsets [B, H, W, C]; gate [B] → dw [B, NB]. One invocation per (b, k) sums its image's H·W·C
// elements serially (no atomics, a fixed order; B·NB invocations of H·W·C steps: 832 × 3200 for a
// batch of 64 at 1×32×100).

fn main(index : i32) {
  if (index < uniforms.size) {
    let P = uniforms.xShape.y * uniforms.xShape.z * uniforms.xShape.w;
    let b = index / NB;
    let beta = BETAS[index % NB];
    let lam = gate[b];
    var acc = 0.0;
    for (var p = b * P; p < (b + 1) * P; p++) {
      let li = spinLog2(clamp(spinBlend(x[p], offsets[p], lam), 0.0, 1.0));
      acc = acc + dy[p] * spinPow(li, beta);
    }
    setOutputAtIndex(index, acc);
  }
}
