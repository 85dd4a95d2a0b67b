// Shared by grid_sample*.wgsl (prepended to each): the source coordinate of one grid value on one axis,
// with PyTorch grid_sampler_2d semantics (docs/models.md §4.5).
//   alignCorners: i = (g + 1)·(size − 1)/2;  otherwise: i = (g + 1)·size/2 − 1/2.
//   border padding clips i to [0, size − 1], and the clip's derivative is 0 at and beyond the edges.
// Non-finite values are detected from their bits (WGSL lets compilers assume floats are finite, so
// `v != v` is not a reliable NaN test): NaN marks the point as sampling nothing; ±Inf and |g| > 4 are
// clamped to ±4, where every tap already lies outside the image, so no index is formed from garbage.
// Uniforms used: alignCorners, border (0 or 1).

struct Axis {
  i0 : i32,     // floor of the source coordinate: the taps are i0 and i0 + 1
  f : f32,      // coordinate − i0, the weight of tap i0 + 1
  mult : f32,   // d(coordinate)/d(grid value)
  ok : bool,    // false for a NaN grid value
};

fn gsIsNan(v : f32) -> bool {
  let bits = bitcast<u32>(v);
  return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0u;
}

fn gsIsFinite(v : f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

fn sourceAxis(g : f32, size : i32) -> Axis {
  if (gsIsNan(g)) {
    return Axis(0, 0.0, 0.0, false);
  }
  var gc = 4.0;
  if (gsIsFinite(g)) {
    gc = clamp(g, -4.0, 4.0);
  } else if ((bitcast<u32>(g) & 0x80000000u) != 0u) {
    gc = -4.0;
  }
  var scale = f32(size) * 0.5;
  var coord = 0.0;
  if (uniforms.alignCorners != 0) {
    scale = f32(size - 1) * 0.5;
    coord = (gc + 1.0) * scale;
  } else {
    coord = (gc + 1.0) * scale - 0.5;
  }
  var mult = scale;
  if (uniforms.border != 0) {
    let hi = f32(size - 1);
    if (coord <= 0.0) {
      coord = 0.0;
      mult = 0.0;
    } else if (coord >= hi) {
      coord = hi;
      mult = 0.0;
    }
  }
  let fl = floor(coord);
  return Axis(i32(fl), coord - fl, mult, true);
}

fn inRange(i : i32, size : i32) -> bool {
  return i >= 0 && i < size;
}
