// The image value at (b, y, x, c), 0 outside the image: prepended (after grid_sample_common.wgsl) to the
// programs that read `image` (forward and grid gradient).
fn imageTap(b : i32, y : i32, x : i32, c : i32) -> f32 {
  let H = uniforms.imageShape.y;
  let W = uniforms.imageShape.z;
  if (!inRange(x, W) || !inRange(y, H)) {
    return 0.0;
  }
  let C = uniforms.imageShape.w;
  return image[((b * H + y) * W + x) * C + c];
}
