// Gradient of bilinear grid sampling with respect to the image: a scatter-add, written without atomics.
// dy [B, Ho, Wo, C], grid [B, Ho, Wo, 2] → dimage [B, H, W, C] (H, W: uniforms.imageH, imageW).
//
// Every output point adds dy·weight into its (up to) four taps, and many points may hit the same pixel.
// Float atomics are not portable WGSL, and integer fixed-point atomics lose precision, so the scatter is
// turned around: one invocation per input row and channel (b, y, c), uniforms.threads = B·H·C. It owns
// dimage[b, y, :, c] exclusively, zeroes it, then walks all Ho·Wo grid points of image b in order; a
// point whose vertical taps (y0, y0+1) include y adds
//   wy·(1−fx)·dy into column x0  and  wy·fx·dy into column x0+1   (wy = 1−fy if y = y0, fy if y = y0+1),
// skipping columns outside the image. No two invocations write the same element, so plain
// read-modify-write is race-free, and the result is deterministic (a fixed summation order, the same
// as the serial cpu/wasm kernel's). Work is B·H·C·Ho·Wo cheap steps (mostly the row test).

fn main(index : i32) {
  if (index < uniforms.threads) {
    let H = uniforms.imageH;
    let W = uniforms.imageW;
    let C = uniforms.dyShape.w;
    let points = uniforms.gridShape.y * uniforms.gridShape.z;
    let c = index % C;
    let by = index / C;
    let y = by % H;
    let b = by / H;
    let rowBase = by * W * C + c;   // element (b, y, x, c) is rowBase + x·C
    for (var x = 0; x < W; x++) {
      result[rowBase + x * C] = 0.0;
    }
    for (var p = 0; p < points; p++) {
      let pix = b * points + p;
      let ay = sourceAxis(grid[pix * 2 + 1], H);
      if (!ay.ok) {
        continue;
      }
      var wy = 0.0;
      if (ay.i0 == y) {
        wy = 1.0 - ay.f;
      } else if (ay.i0 + 1 == y) {
        wy = ay.f;
      } else {
        continue;
      }
      let ax = sourceAxis(grid[pix * 2], W);
      if (!ax.ok) {
        continue;
      }
      let g = dy[pix * C + c];
      if (inRange(ax.i0, W)) {
        let i = rowBase + ax.i0 * C;
        result[i] = result[i] + wy * (1.0 - ax.f) * g;
      }
      if (inRange(ax.i0 + 1, W)) {
        let i = rowBase + (ax.i0 + 1) * C;
        result[i] = result[i] + wy * ax.f * g;
      }
    }
  }
}
