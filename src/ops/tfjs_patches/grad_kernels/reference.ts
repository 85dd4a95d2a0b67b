/**
 * Convolution gradient bodies for the backends that lack them (tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter and no depthwise gradients). NHWC, filters HWIO / [kh, kw, C, M], any stride,
 * dilation and padding as tfjs's Conv2DInfo describes. Loops run over the output, innermost over
 * contiguous channels; every index is bounded by the shapes in `info`.
 */
export interface ConvGeom {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  /** Output channels (depthwise: inC · multiplier). */
  outC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padLeft: number;
}

/**
 * im2col rows [r0, r0 + n) of the output grid (r = (b·outH + oy)·outW + ox) into `out` [n, kh·kw·inC]
 * (column (i·kw + j)·inC + c), zeros where the tap falls in the padding.
 */
export function im2colRows(x: Float32Array, g: ConvGeom, r0: number, n: number, out: Float32Array): void {
  const K = g.kh * g.kw * g.inC;
  out.fill(0, 0, n * K);
  for (let r = 0; r < n; r++) {
    const row = r0 + r;
    const ox = row % g.outW;
    const oy = Math.floor(row / g.outW) % g.outH;
    const b = Math.floor(row / (g.outW * g.outH));
    const base = r * K;
    for (let i = 0; i < g.kh; i++) {
      const iy = oy * g.sh - g.padTop + i * g.dh;
      if (iy < 0 || iy >= g.inH) continue;
      for (let j = 0; j < g.kw; j++) {
        const ix = ox * g.sw - g.padLeft + j * g.dw;
        if (ix < 0 || ix >= g.inW) continue;
        const src = ((b * g.inH + iy) * g.inW + ix) * g.inC;
        const dst = base + (i * g.kw + j) * g.inC;
        // A subarray per tap costs more than the copy for a few channels (the first conv: 1–3).
        if (g.inC < 16) for (let c = 0; c < g.inC; c++) out[dst + c] = x[src + c]!;
        else out.set(x.subarray(src, src + g.inC), dst);
      }
    }
  }
}

/**
 * The same rows as im2colRows, written transposed: `out` [kh·kw·inC, n], column r of row
 * (i·kw + j)·inC + c. The filter gradient is then colsᵀ·dy with no transpose of the columns.
 */
export function im2colRowsT(x: Float32Array, g: ConvGeom, r0: number, n: number, out: Float32Array): void {
  const K = g.kh * g.kw * g.inC;
  out.fill(0, 0, n * K);
  for (let r = 0; r < n; r++) {
    const row = r0 + r;
    const ox = row % g.outW;
    const oy = Math.floor(row / g.outW) % g.outH;
    const b = Math.floor(row / (g.outW * g.outH));
    for (let i = 0; i < g.kh; i++) {
      const iy = oy * g.sh - g.padTop + i * g.dh;
      if (iy < 0 || iy >= g.inH) continue;
      for (let j = 0; j < g.kw; j++) {
        const ix = ox * g.sw - g.padLeft + j * g.dw;
        if (ix < 0 || ix >= g.inW) continue;
        const src = ((b * g.inH + iy) * g.inW + ix) * g.inC;
        let dst = (i * g.kw + j) * g.inC * n + r;
        for (let c = 0; c < g.inC; c++, dst += n) out[dst] = x[src + c]!;
      }
    }
  }
}

/** Adds im2col rows [r0, r0 + n) (`cols` [n, kh·kw·inC]) back into the image `dx` (the adjoint of im2colRows). */
export function col2imRows(cols: Float32Array, g: ConvGeom, r0: number, n: number, dx: Float32Array): void {
  const K = g.kh * g.kw * g.inC;
  const C = g.inC;
  for (let r = 0; r < n; r++) {
    const row = r0 + r;
    const ox = row % g.outW;
    const oy = Math.floor(row / g.outW) % g.outH;
    const b = Math.floor(row / (g.outW * g.outH));
    const base = r * K;
    for (let i = 0; i < g.kh; i++) {
      const iy = oy * g.sh - g.padTop + i * g.dh;
      if (iy < 0 || iy >= g.inH) continue;
      for (let j = 0; j < g.kw; j++) {
        const ix = ox * g.sw - g.padLeft + j * g.dw;
        if (ix < 0 || ix >= g.inW) continue;
        const dst = ((b * g.inH + iy) * g.inW + ix) * C;
        const src = base + (i * g.kw + j) * C;
        for (let c = 0; c < C; c++) dx[dst + c]! += cols[src + c]!;
      }
    }
  }
}

/** dW[i, j, c, m] = Σ_{b, oy, ox} x[b, iy, ix, c] · dy[b, oy, ox, c·M + m] (depthwise, multiplier M). */
export function depthwiseFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeom, dw: Float32Array): void {
  const M = g.outC / g.inC;
  const C = g.inC;
  dw.fill(0);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const dyBase = ((b * g.outH + oy) * g.outW + ox) * g.outC;
        for (let i = 0; i < g.kh; i++) {
          const iy = oy * g.sh - g.padTop + i * g.dh;
          if (iy < 0 || iy >= g.inH) continue;
          for (let j = 0; j < g.kw; j++) {
            const ix = ox * g.sw - g.padLeft + j * g.dw;
            if (ix < 0 || ix >= g.inW) continue;
            const xBase = ((b * g.inH + iy) * g.inW + ix) * C;
            const wBase = (i * g.kw + j) * C * M;
            if (M === 1) {
              for (let c = 0; c < C; c++) dw[wBase + c]! += x[xBase + c]! * dy[dyBase + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xBase + c]!;
                for (let m = 0; m < M; m++) dw[wBase + c * M + m]! += xv * dy[dyBase + c * M + m]!;
              }
            }
          }
        }
      }
    }
  }
}

/** dx[b, iy, ix, c] = Σ dy[b, oy, ox, c·M + m] · w[i, j, c, m] over the taps that read (iy, ix). */
export function depthwiseInputGrad(dy: Float32Array, w: Float32Array, g: ConvGeom, dx: Float32Array): void {
  const M = g.outC / g.inC;
  const C = g.inC;
  dx.fill(0);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const dyBase = ((b * g.outH + oy) * g.outW + ox) * g.outC;
        for (let i = 0; i < g.kh; i++) {
          const iy = oy * g.sh - g.padTop + i * g.dh;
          if (iy < 0 || iy >= g.inH) continue;
          for (let j = 0; j < g.kw; j++) {
            const ix = ox * g.sw - g.padLeft + j * g.dw;
            if (ix < 0 || ix >= g.inW) continue;
            const xBase = ((b * g.inH + iy) * g.inW + ix) * C;
            const wBase = (i * g.kw + j) * C * M;
            if (M === 1) {
              for (let c = 0; c < C; c++) dx[xBase + c]! += dy[dyBase + c]! * w[wBase + c]!;
            } else {
              for (let c = 0; c < C; c++) {
                let s = 0;
                for (let m = 0; m < M; m++) s += dy[dyBase + c * M + m]! * w[wBase + c * M + m]!;
                dx[xBase + c]! += s;
              }
            }
          }
        }
      }
    }
  }
}

export interface PoolGeom {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  padTop: number;
  padLeft: number;
}

/**
 * Max-pool gradient: each output's dy goes to the first maximum of its window in row-major order
 * (what tfjs's cpu backend and PyTorch do); padding taps never win.
 */
export function maxPoolGrad(dy: Float32Array, x: Float32Array, g: PoolGeom, dx: Float32Array): void {
  const C = g.channels;
  dx.fill(0);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const dyBase = ((b * g.outH + oy) * g.outW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.sh - g.padTop + i;
            if (iy < 0 || iy >= g.inH) continue;
            for (let j = 0; j < g.kw; j++) {
              const ix = ox * g.sw - g.padLeft + j;
              if (ix < 0 || ix >= g.inW) continue;
              const k = ((b * g.inH + iy) * g.inW + ix) * C + c;
              const v = x[k]!;
              if (v > best || at < 0) {
                best = v;
                at = k;
              }
            }
          }
          if (at >= 0) dx[at]! += dy[dyBase + c]!;
        }
      }
    }
  }
}
