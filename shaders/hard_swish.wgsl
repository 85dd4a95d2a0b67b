// hard-swish, elementwise: y = x * clamp(x + 3, 0, 6) / 6
// (MobileNetV3, Howard et al. 2019, eq. 2; PaddleOCR hard_swish with threshold 6, scale 6, offset 3).
//
// A kernel body for tfjs-backend-webgpu (the template every webstr op follows). The backend prepends
// the bindings (`result` out, one storage array per input named as in `variableNames`, `uniforms`),
// `uniforms.size` and the accessors `getXByOutputIndex` / `setOutputAtIndex`, and calls
// `main(globalIndex)` from its generated entry point. This file supplies `main` and its helpers only.

fn hardSwish(x : f32) -> f32 {
  return x * clamp(x + 3.0, 0.0, 6.0) / 6.0;
}

fn main(index : i32) {
  if (index < uniforms.size) {
    setOutputAtIndex(index, hardSwish(getXByOutputIndex(index)));
  }
}
