/**
 * PaddleOCR's recognition preprocessing as its Python code runs it, for oracles (scripts/ppocr_accuracy.ts,
 * tests): the crop as BGR uint8, resized with an 8-bit fixed-point bilinear filter computed the way
 * OpenCV's INTER_LINEAR does for 8-bit images (11-bit weights; the vertical pass with the 16-bit
 * high-multiply rounding of its vectorised path; result rounded to uint8), then normalised and padded.
 * Written from the formulas, not from OpenCV's code.
 */
import type { RgbaImage } from '../image/types.ts';

/** OpenCV-style fixed-point bilinear weights for one axis: taps and 11-bit weights per output index. */
function linearTaps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; w0: Int32Array; w1: Int32Array } {
  const scale = src / dst;
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = (d + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= src - 1) {
      s = src - 1;
      f = 0;
    }
    i0[d] = s;
    i1[d] = Math.min(s + 1, src - 1);
    w0[d] = Math.round((1 - f) * 2048);
    w1[d] = Math.round(f * 2048);
  }
  return { i0, i1, w0, w1 };
}

/** RGBA → BGR uint8 resized to ow × oh: horizontal pass in integers, vertical pass with the 16-bit
 *  high-multiply rounding of OpenCV's vectorised 8-bit path. */
export function resizeBgrU8(img: RgbaImage, ow: number, oh: number): Uint8Array {
  const { width: w, height: h, data } = img;
  const xs = linearTaps(w, ow);
  const ys = linearTaps(h, oh);
  const rows = new Map<number, Int32Array>();
  const hrow = (y: number): Int32Array => {
    let r = rows.get(y);
    if (r !== undefined) return r;
    r = new Int32Array(ow * 3);
    for (let x = 0; x < ow; x++) {
      const a = (y * w + xs.i0[x]!) * 4;
      const b = (y * w + xs.i1[x]!) * 4;
      for (let c = 0; c < 3; c++) r[x * 3 + c] = data[a + 2 - c]! * xs.w0[x]! + data[b + 2 - c]! * xs.w1[x]!;
    }
    rows.set(y, r);
    return r;
  };
  const out = new Uint8Array(oh * ow * 3);
  for (let y = 0; y < oh; y++) {
    const r0 = hrow(ys.i0[y]!);
    const r1 = hrow(ys.i1[y]!);
    const b0 = ys.w0[y]!;
    const b1 = ys.w1[y]!;
    for (let i = 0; i < ow * 3; i++) {
      const v = (((r0[i]! >> 4) * b0) >> 16) + (((r1[i]! >> 4) * b1) >> 16);
      out[y * ow * 3 + i] = Math.max(0, Math.min(255, (v + 2) >> 2));
    }
  }
  return out;
}

/** PaddleOCR `resize_norm_img` at batch 1 (imgH 48, minimum width 320) → NCHW float32 [1, 3, 48, W]. */
export function paddleRecInput(img: RgbaImage): { data: Float32Array; shape: [number, number, number, number] } {
  const H = 48;
  const ratio = img.width / img.height;
  const W = Math.floor(H * Math.max(320 / 48, ratio));
  const rw = Math.ceil(H * ratio) > W ? W : Math.ceil(H * ratio);
  const px = resizeBgrU8(img, rw, H);
  const x = new Float32Array(3 * H * W); // zero padding on the right
  for (let y = 0; y < H; y++) {
    for (let c = 0; c < 3; c++) for (let i = 0; i < rw; i++) x[(c * H + y) * W + i] = (px[(y * rw + i) * 3 + c]! / 255 - 0.5) / 0.5;
  }
  return { data: x, shape: [1, 3, H, W] };
}
