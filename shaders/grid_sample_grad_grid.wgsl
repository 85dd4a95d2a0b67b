// Gradient of bilinear grid sampling with respect to the grid (PyTorch grid_sampler_2d_backward).
// dy [B, Ho, Wo, C], image [B, H, W, C], grid [B, Ho, Wo, 2] → dgrid [B, Ho, Wo, 2].
// One invocation per grid point (uniforms.threads = B·Ho·Wo); it writes both components:
//   dgx = mult_x · Σ_c dy_c · ((ne − nw)(1−fy) + (se − sw)fy)
//   dgy = mult_y · Σ_c dy_c · ((sw − nw)(1−fx) + (se − ne)fx)
// with nw… the four neighbours' values (0 outside the image) and mult = d(coordinate)/d(grid value),
// 0 where 'border' clipped the coordinate. A NaN grid value gets gradient 0.

fn main(index : i32) {
  if (index < uniforms.threads) {
    let pix = index;
    let C = uniforms.imageShape.w;
    let b = pix / (uniforms.gridShape.y * uniforms.gridShape.z);
    let ax = sourceAxis(grid[pix * 2], uniforms.imageShape.z);
    let ay = sourceAxis(grid[pix * 2 + 1], uniforms.imageShape.y);
    if (!ax.ok || !ay.ok) {
      setOutputAtIndex(pix * 2, 0.0);
      setOutputAtIndex(pix * 2 + 1, 0.0);
      return;
    }
    var gx = 0.0;
    var gy = 0.0;
    for (var c = 0; c < C; c++) {
      let g = dy[pix * C + c];
      let nw = imageTap(b, ay.i0, ax.i0, c);
      let ne = imageTap(b, ay.i0, ax.i0 + 1, c);
      let sw = imageTap(b, ay.i0 + 1, ax.i0, c);
      let se = imageTap(b, ay.i0 + 1, ax.i0 + 1, c);
      gx = gx + ((ne - nw) * (1.0 - ay.f) + (se - sw) * ay.f) * g;
      gy = gy + ((sw - nw) * (1.0 - ax.f) + (se - ne) * ax.f) * g;
    }
    setOutputAtIndex(pix * 2, gx * ax.mult);
    setOutputAtIndex(pix * 2 + 1, gy * ay.mult);
  }
}
