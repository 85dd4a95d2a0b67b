// Bilinear grid sampling, forward (PyTorch F.grid_sample, mode 'bilinear'; docs/models.md §4.5).
// image [B, H, W, C], grid [B, Ho, Wo, 2] in (x, y) order → out [B, Ho, Wo, C]. One invocation per output
// element: it unnormalises the grid point (grid_sample_common.wgsl), and blends the four neighbours
//   out = nw·I[y0, x0] + ne·I[y0, x0+1] + sw·I[y0+1, x0] + se·I[y0+1, x0+1],
//   nw = (1−fy)(1−fx), ne = (1−fy)fx, sw = fy(1−fx), se = fy·fx,
// where a tap outside the image reads 0 ('zeros'; in 'border' the coordinate was clipped, so only taps
// with zero weight can fall outside). Reads happen only at indices checked to be inside the image.

fn main(index : i32) {
  if (index < uniforms.size) {
    let C = uniforms.imageShape.w;
    let c = index % C;
    let pix = index / C;   // (b·Ho + ho)·Wo + wo
    let b = pix / (uniforms.gridShape.y * uniforms.gridShape.z);
    let ax = sourceAxis(grid[pix * 2], uniforms.imageShape.z);
    let ay = sourceAxis(grid[pix * 2 + 1], uniforms.imageShape.y);
    if (!ax.ok || !ay.ok) {
      setOutputAtIndex(index, 0.0);
      return;
    }
    let e = 1.0 - ax.f;
    let s = 1.0 - ay.f;
    let v = imageTap(b, ay.i0, ax.i0, c) * (s * e) + imageTap(b, ay.i0, ax.i0 + 1, c) * (s * ax.f)
      + imageTap(b, ay.i0 + 1, ax.i0, c) * (ay.f * e) + imageTap(b, ay.i0 + 1, ax.i0 + 1, c) * (ay.f * ax.f);
    setOutputAtIndex(index, v);
  }
}
