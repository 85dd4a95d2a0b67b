// Activations shared by the fused recurrent kernels (bilstm_seq.wgsl, attention_decode.wgsl), written
// so that no intermediate overflows: WGSL does not promise IEEE infinities, and tanh(x) as
// (e^{2x} − 1)/(e^{2x} + 1) turns into ∞/∞ for large x on some implementations.

fn sigmoidSafe(v : f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

fn tanhSafe(v : f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}
