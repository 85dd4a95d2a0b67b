/**
 * Depthwise convolution gradients on tfjs-backend-wasm through the backend's own forward
 * `DepthwiseConv2dNative` (XNNPACK, SIMD) instead of JS loops over the output. Both handle channel
 * multiplier 1, NHWC; the callers fall back to the loops of reference.ts for anything else (null).
 *
 * Measured (crnn-mv3-en shapes, batch 8): tfjs-wasm's XNNPACK depthwise runs ~2–3 GMAC/s only for
 * 4, 9 or 25 filter taps (4×4 = 16 or 1×50 taps: 0.3–0.8 GMAC/s) and slows ~15× once one call has
 * ~9,000 channels (25 taps × 9,216 channels no longer fit the cache per output pixel), hence the
 * 25-tap blocks and the channel cap of the filter gradient.
 *
 * All 11 depthwise layers of crnn-mv3-en (3×32×100), per training step, JS loops → these (medians,
 * 2-core machine at load ~4): batch 8 dx 70 → 16 ms, dW 65 → 41 ms; batch 32 dx 278 → 62 ms,
 * dW 257 → 105 ms. dW stays ~2× dx: the same multiply-adds, plus the window copies (~k floats per
 * x value, runs of C via copyWithin) and the sum over blocks.
 * Tried and dropped (10 crnn-mv3-en-like shapes, batch 8, loops 58 ms): dW as one depthwise conv with
 * the batch folded into the channels and dy as a [Ho, Wo]-tap filter dilated by the stride, 42 ms
 * (XNNPACK's large-kernel path, 0.4–0.7 GMAC/s); the JS loop reordered by tap with its bounds hoisted,
 * 57 ms. (For Conv2DBackpropInput the same transposed-conv form through tfjs-wasm's Conv2D was slower
 * than matmul + col2im: 1.6 → 4.3 ms for crnn-mv3-en's first conv, up to 2× on crnn-vgg's.)
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type TensorInfo } from '../../../runtime/tf.ts';
import type { ConvGeom } from './reference.ts';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];

function forwardDepthwise(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, pad: Explicit, dilations: [number, number]): TensorInfo {
  const k = tf.getKernel('DepthwiseConv2dNative', 'wasm');
  if (k === undefined) throw new Error('wasm DepthwiseConv2dNative kernel missing');
  return k.kernelFunc({ inputs: { x, filter }, backend, attrs: { strides: [1, 1], pad, dilations, dataFormat: 'NHWC' } }) as TensorInfo;
}

/** A view of a float32 tensor in the wasm heap; re-take after any allocation (heap growth detaches it). */
const f32 = (backend: BackendWasm, t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;

/**
 * dx of a depthwise conv = the forward depthwise conv, stride 1, of dy — zero-inserted (s − 1 zeros
 * between samples) where the forward stride s > 1 — with the spatially flipped filter, padded
 * (k − 1)·d − pad before and whatever makes the output the input's size after (the adjoint of a
 * correlation is the correlation with the flipped kernel). Null (use the loop) for multiplier > 1,
 * unequal dilations, or a forward padding so large that the padding here would be negative.
 */
export function depthwiseInputGradWasm(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeom): TensorInfo | null {
  if (g.outC !== g.inC || g.dh !== g.dw || g.outH === 0 || g.outW === 0) return null;
  const C = g.inC;
  const Hz = (g.outH - 1) * g.sh + 1;
  const Wz = (g.outW - 1) * g.sw + 1;
  const top = (g.kh - 1) * g.dh - g.padTop;
  const left = (g.kw - 1) * g.dw - g.padLeft;
  const bottom = g.inH - Hz - top + (g.kh - 1) * g.dh;
  const right = g.inW - Wz - left + (g.kw - 1) * g.dw;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  const flipped = backend.makeOutput([g.kh, g.kw, C, 1], 'float32');
  const zeroed = g.sh > 1 || g.sw > 1 ? backend.makeOutput([g.batch, Hz, Wz, C], 'float32') : null;
  // Views only after both allocations.
  const w = f32(backend, filter);
  const wf = f32(backend, flipped);
  const taps = g.kh * g.kw;
  for (let t = 0; t < taps; t++) wf.set(w.subarray((taps - 1 - t) * C, (taps - t) * C), t * C);
  if (zeroed !== null) {
    const z = f32(backend, zeroed);
    const d = f32(backend, dy);
    z.fill(0);
    for (let b = 0; b < g.batch; b++)
      for (let oy = 0; oy < g.outH; oy++) {
        const from = (b * g.outH + oy) * g.outW * C;
        const to = (b * Hz + oy * g.sh) * Wz * C;
        if (g.sw === 1) z.set(d.subarray(from, from + g.outW * C), to);
        else for (let ox = 0; ox < g.outW; ox++) z.set(d.subarray(from + ox * C, from + (ox + 1) * C), to + ox * g.sw * C);
      }
  }
  const src: TensorInfo = { dataId: (zeroed ?? dy).dataId, shape: [g.batch, Hz, Wz, C], dtype: 'float32' };
  const out = forwardDepthwise(backend, src, flipped, [[0, 0], [top, bottom], [left, right], [0, 0]], [g.dh, g.dw]);
  backend.disposeData(flipped.dataId);
  if (zeroed !== null) backend.disposeData(zeroed.dataId);
  return out;
}

/** Taps per filter block: the sizes tfjs-wasm's XNNPACK depthwise is fast for. */
function blockTaps(outW: number): number {
  return outW <= 4 ? 4 : outW <= 9 ? 9 : 25;
}

/** Most channels one blocked call may have (512–1,024 measured best on the crnn-mv3-en shapes). */
let blockChannels = 1024;

export function setDepthwiseBlockChannels(n = 1024): void {
  blockChannels = Math.max(1, Math.floor(n));
}

/**
 * dW of a depthwise conv as forward depthwise convs whose filters are dy: each run of T consecutive
 * output columns (T = 25, 9 or 4; the last run zero-padded) of each (b, oy) is a channel block whose
 * filter is those T dy values and whose input is the kh × ((T − 1)·sw + kw) window of x they read,
 * so a stride-1 conv with width dilation sw gives that block's [kh, kw] partial dW per channel; the
 * blocks are summed here. Every copy is a run of C contiguous floats; calls hold ≤ `blockChannels`
 * channels. Null (use the loop) for multiplier > 1 or width dilation > 1.
 */
export function depthwiseFilterGradWasm(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: ConvGeom): TensorInfo | null {
  if (g.outC !== g.inC || g.dw !== 1 || g.outH === 0 || g.outW === 0) return null;
  const C = g.inC;
  const T = blockTaps(g.outW);
  const nbx = Math.ceil(g.outW / T);
  const Wwin = (T - 1) * g.sw + g.kw;
  const rows = g.batch * g.outH;
  const rowsPerChunk = Math.max(1, Math.min(rows, Math.floor(blockChannels / (nbx * C))));
  const out = backend.makeOutput([g.kh, g.kw, C, 1], 'float32');
  f32(backend, out).fill(0);
  const memmove = C >= 16; // copyWithin beats an element loop on runs this long
  for (let r0 = 0; r0 < rows; r0 += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, rows - r0);
    const nCh = n * nbx * C;
    // Fresh tensors per call: tfjs-wasm caches XNNPACK operators (with the packed filter) by filter id.
    const win = backend.makeOutput([1, g.kh, Wwin, nCh], 'float32');
    const filt = backend.makeOutput([1, T, nCh, 1], 'float32');
    {
      // Views after the allocations; one view of the whole heap for copyWithin between tensors.
      const w = f32(backend, win);
      const f = f32(backend, filt);
      const xv = f32(backend, x);
      const dv = f32(backend, dy);
      w.fill(0);
      f.fill(0);
      const heap = new Float32Array(w.buffer);
      // Float indices into the heap: unsigned shifts (byte offsets reach 4 GiB; `>> 2` of one past 2 GiB
      // is negative, and copyWithin counts a negative index from the end: it overwrote allocator headers).
      const wOff = w.byteOffset >>> 2;
      const xOff = xv.byteOffset >>> 2;
      const fOff = f.byteOffset >>> 2;
      const dOff = dv.byteOffset >>> 2;
      for (let r = 0; r < n; r++) {
        const row = r0 + r;
        const b = Math.floor(row / g.outH);
        const oy = row - b * g.outH;
        for (let bx = 0; bx < nbx; bx++) {
          const ch = (r * nbx + bx) * C;
          // Filter taps v of this block: dy[b, oy, bx·T + v, :].
          const vn = Math.min(T, g.outW - bx * T);
          const dyBase = ((b * g.outH + oy) * g.outW + bx * T) * C;
          for (let v = 0; v < vn; v++) {
            const s = dyBase + v * C;
            const d = v * nCh + ch;
            if (memmove) heap.copyWithin(fOff + d, dOff + s, dOff + s + C);
            else for (let c = 0; c < C; c++) f[d + c] = dv[s + c]!;
          }
          // Window rows oy·sh + i·dh − padTop, columns bx·T·sw + u − padLeft (zeros outside x).
          const x0 = bx * T * g.sw - g.padLeft;
          const u0 = Math.max(0, -x0);
          const u1 = Math.min(Wwin, g.inW - x0);
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.sh + i * g.dh - g.padTop;
            if (iy < 0 || iy >= g.inH) continue;
            const xRow = ((b * g.inH + iy) * g.inW + x0) * C;
            for (let u = u0; u < u1; u++) {
              const s = xRow + u * C;
              const d = (i * Wwin + u) * nCh + ch;
              if (memmove) heap.copyWithin(wOff + d, xOff + s, xOff + s + C);
              else for (let c = 0; c < C; c++) w[d + c] = xv[s + c]!;
            }
          }
        }
      }
    }
    const part = forwardDepthwise(backend, win, filt, [[0, 0], [0, 0], [0, 0], [0, 0]], [1, g.sw]); // [1, kh, kw, nCh]
    backend.disposeData(win.dataId);
    backend.disposeData(filt.dataId);
    const p = f32(backend, part);
    const o = f32(backend, out);
    const blocks = n * nbx;
    for (let t = 0; t < g.kh * g.kw; t++) {
      const dst = t * C;
      const base = t * nCh;
      let m = 0;
      for (; m + 4 <= blocks; m += 4) {
        const s = base + m * C;
        for (let c = 0; c < C; c++) o[dst + c]! += p[s + c]! + p[s + C + c]! + p[s + 2 * C + c]! + p[s + 3 * C + c]!;
      }
      for (; m < blocks; m++) {
        const s = base + m * C;
        for (let c = 0; c < C; c++) o[dst + c]! += p[s + c]!;
      }
    }
    backend.disposeData(part.dataId);
  }
  return out;
}
