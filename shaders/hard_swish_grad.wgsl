// Gradient of hard-swish with respect to x, elementwise, as PyTorch's hardswish_backward:
//   dx = 0                    for x < -3
//   dx = dy * (2x + 3) / 6    for -3 <= x <= 3
//   dx = dy                   for x > 3
// Kernel body for tfjs-backend-webgpu; inputs `dy` and `x` (see hard_swish.wgsl for the contract).

fn hardSwishGrad(dy : f32, x : f32) -> f32 {
  if (x < -3.0) {
    return 0.0;
  }
  if (x <= 3.0) {
    return dy * (2.0 * x + 3.0) / 6.0;
  }
  return dy;
}

fn main(index : i32) {
  if (index < uniforms.size) {
    setOutputAtIndex(index, hardSwishGrad(getDyByOutputIndex(index), getXByOutputIndex(index)));
  }
}
