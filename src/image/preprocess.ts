/**
 * Pixels → model input as the model's PreprocessConfig declares (docs/models.md §2): channel order (gray /
 * RGB / BGR), resize (stretch, keep-ratio dynamic width, keep-ratio-and-pad), (v/255 − mean)/std.
 * Resizing is bilinear with half-pixel centres, edge clamping and no antialiasing: tfjs
 * `resizeBilinear(alignCorners=false, halfPixelCenters=true)` computes src = (dst + 0.5)·scale − 0.5
 * and clamps the taps to the edge, which is OpenCV's INTER_LINEAR (PaddleOCR's resize).
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import type { PreprocessConfig } from './preprocess_config.ts';
import type { RgbaImage } from './types.ts';

/** Target width for an image of w×h (PaddleOCR `resize_norm_img`: ratio first, then ceil). */
export function targetWidth(p: PreprocessConfig, w: number, h: number): number {
  if (p.resize.mode === 'stretch') return p.resize.width;
  const ratio = w / h;
  if (p.resize.mode === 'keep-ratio-pad-min') return Math.min(inputWidth(p, w, h), Math.max(1, Math.ceil(p.height * ratio)));
  return Math.min(p.resize.maxWidth, Math.max(p.resize.minWidth, Math.ceil(p.height * ratio)));
}

/** Width of the tensor handed to the model (the padded width for keep-ratio-pad). */
export function inputWidth(p: PreprocessConfig, w: number, h: number): number {
  if (p.resize.mode === 'keep-ratio-pad-min') {
    // PaddleOCR: int(height · max(minWidth/height, w/h)), computed the same way (ratio first).
    return Math.min(p.resize.maxWidth, Math.max(p.resize.minWidth, Math.floor(p.height * (w / h))));
  }
  return p.resize.mode === 'keep-ratio-pad' ? p.resize.maxWidth : targetWidth(p, w, h);
}

/** RgbaImage → [1, height, width, C] float32, normalised. */
export function preprocess(img: RgbaImage, p: PreprocessConfig): Tensor {
  const w = targetWidth(p, img.width, img.height);
  // RGB (or BGR) floats straight from the RGBA bytes: one h×w×3 float buffer instead of int32 RGBA, its
  // slice, a cast and a reverse (~4.7× less memory for a large image; the same values).
  const n = img.width * img.height;
  const rgb = new Float32Array(n * 3);
  const d = img.data;
  const [r, b] = p.channels === 'bgr' ? [2, 0] : [0, 2];
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    rgb[j + r] = d[i * 4]!;
    rgb[j + 1] = d[i * 4 + 1]!;
    rgb[j + b] = d[i * 4 + 2]!;
  }
  return tf.tidy(() => {
    let x: Tensor = tf.tensor3d(rgb, [img.height, img.width, 3], 'float32'); // [h, w, 3] RGB or BGR
    if (p.channels === 'gray') {
      x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 2, true); // [h, w, 1]
    }
    x = tf.image.resizeBilinear(x as tf.Tensor3D, [p.height, w], false, true); // [H, W, C]
    x = tf.div(tf.sub(tf.div(x, 255), p.mean), p.std);
    const padded = inputWidth(p, img.width, img.height);
    if ((p.resize.mode === 'keep-ratio-pad' || p.resize.mode === 'keep-ratio-pad-min') && w < padded) {
      x = tf.pad(x, [[0, 0], [0, padded - w], [0, 0]], p.resize.padValue);
    }
    return tf.expandDims(x, 0); // [1, H, W, C]
  });
}
