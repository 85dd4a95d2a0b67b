/**
 * hard-swish numerics in TypeScript: the cpu and wasm kernels, and the reference the WGSL kernel is
 * tested against. y = x * clamp(x + 3, 0, 6) / 6 (MobileNetV3, Howard et al. 2019).
 */
export function hardSwishForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
  }
}

/** dx for upstream dy, as PyTorch's hardswish_backward (the derivative at ±3 takes the inner branch). */
export function hardSwishBackward(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    dx[i] = v < -3 ? 0 : v <= 3 ? (dy[i]! * (2 * v + 3)) / 6 : dy[i]!;
  }
}
