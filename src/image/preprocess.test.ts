import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../runtime/tf.ts';
import { getPreset } from '../models/presets.ts';
import { inputWidth, preprocess, targetWidth } from './preprocess.ts';
import type { PreprocessConfig } from './preprocess_config.ts';
import type { RgbaImage } from './types.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** OpenCV INTER_LINEAR in float (cv::resize's formula): src = (dst + 0.5)·scale − 0.5, clamped taps. */
function cvLinear(src: Float32Array, h: number, w: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(oh * ow);
  const sy = h / oh;
  const sx = w / ow;
  for (let y = 0; y < oh; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    let y0 = Math.floor(fy);
    fy -= y0;
    if (y0 < 0) {
      y0 = 0;
      fy = 0;
    }
    const y1 = Math.min(y0 + 1, h - 1);
    if (y0 >= h - 1) {
      y0 = h - 1;
      fy = 0;
    }
    for (let x = 0; x < ow; x++) {
      let fx = (x + 0.5) * sx - 0.5;
      let x0 = Math.floor(fx);
      fx -= x0;
      if (x0 < 0) {
        x0 = 0;
        fx = 0;
      }
      const x1 = Math.min(x0 + 1, w - 1);
      if (x0 >= w - 1) {
        x0 = w - 1;
        fx = 0;
      }
      const top = src[y0 * w + x0]! * (1 - fx) + src[y0 * w + x1]! * fx;
      const bot = src[y1 * w + x0]! * (1 - fx) + src[y1 * w + x1]! * fx;
      out[y * ow + x] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

describe('preprocess', () => {
  const cfg = getPreset('crnn-mv3-en').input;
  it('computes PaddleOCR dynamic widths', () => {
    expect(targetWidth(cfg, 100, 32)).toBe(100);
    expect(targetWidth(cfg, 1000, 32)).toBe(320);
    expect(targetWidth(cfg, 3, 64)).toBe(8);
    expect(targetWidth(cfg, 77, 41)).toBe(Math.ceil(32 * (77 / 41)));
  });
  it('resizes as OpenCV INTER_LINEAR (down and up), BGR, normalised', () => {
    for (const [w, h] of [
      [150, 47],
      [20, 13],
    ] as const) {
      const data = new Uint8Array(w * h * 4);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
      const x = preprocess({ width: w, height: h, data }, cfg);
      const ow = targetWidth(cfg, w, h);
      expect(x.shape).toEqual([1, 32, ow, 3]);
      const got = x.dataSync();
      for (let c = 0; c < 3; c++) {
        const plane = new Float32Array(w * h);
        for (let i = 0; i < w * h; i++) plane[i] = data[i * 4 + (2 - c)]!; // BGR: channel 0 = blue
        const ref = cvLinear(plane, h, w, 32, ow);
        for (let i = 0; i < ref.length; i++) expect(got[i * 3 + c]!).toBeCloseTo((ref[i]! / 255 - 0.5) / 0.5, 4);
      }
      x.dispose();
    }
  });
  it('keep-ratio-pad-min: PaddleOCR batch width at batch 1 (PP-OCRv4: at least 320, floor for the input, ceil for the resize)', () => {
    const p = getPreset('ppocr-v4').input;
    const w = (iw: number, ih: number): [number, number] => [targetWidth(p, iw, ih), inputWidth(p, iw, ih)];
    expect(w(100, 32)).toEqual([150, 320]); // 48·3.125 = 150, padded to 320
    expect(w(400, 40)).toEqual([480, 480]);
    expect(w(401, 40)).toEqual([481, 481]); // 48·10.025 = 481.2: int() for the batch, ceil capped by it
    expect(w(1, 100)).toEqual([1, 320]);
    expect(w(320, 48)).toEqual([320, 320]);
    expect(w(100000, 10)).toEqual([3200, 3200]); // the preset's cap (PaddleOCR has none)
  });
  it('keep-ratio-pad-min pads with zeros on the right after normalising', () => {
    const p = getPreset('ppocr-v4').input;
    const data = new Uint8Array(60 * 20 * 4).fill(255);
    const x = preprocess({ width: 60, height: 20, data }, p);
    expect(x.shape).toEqual([1, 48, 320, 3]);
    const row = x.slice([0, 10, 0, 0], [1, 1, 320, 1]).dataSync();
    expect(row[0]).toBeCloseTo(1, 5);
    expect(row[143]).toBeCloseTo(1, 5); // ceil(48·3) = 144 columns of image
    expect(row[144]).toBe(0);
    expect(row[319]).toBe(0);
    x.dispose();
  });
});

describe('channel extraction', () => {
  it('gives what RGBA int32 → slice → cast → reverse (the earlier tensor path) gave, to float rounding', () => {
    const w = 37;
    const h = 11;
    const data = new Uint8ClampedArray(w * h * 4).map((_, i) => (i * 7919) % 256);
    for (const channels of ['rgb', 'bgr', 'gray'] as const) {
      const p = { ...getPreset('crnn-mv3-en').input, channels };
      const ours = preprocess({ width: w, height: h, data }, p);
      const ref = tf.tidy(() => {
        const rgba = tf.tensor3d(Uint8Array.from(data), [h, w, 4], 'int32');
        let x = tf.cast(tf.slice(rgba, [0, 0, 0], [h, w, 3]), 'float32');
        if (channels === 'gray') x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 2, true);
        else if (channels === 'bgr') x = tf.reverse(x, 2);
        x = tf.image.resizeBilinear(x, [p.height, targetWidth(p, w, h)], false, true);
        return tf.expandDims(tf.div(tf.sub(tf.div(x, 255), p.mean), p.std), 0);
      });
      const a = Array.from(ours.dataSync());
      const b = Array.from(ref.dataSync());
      expect(a.length, channels).toBe(b.length);
      expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0), channels).toBeLessThan(1e-5);
      tf.dispose([ours, ref]);
    }
  });
});

/** The former tfjs-op pipeline (slice, cast, channel order, resizeBilinear, normalise, pad): the
 *  one-pass host version must agree with it to float rounding. */
function viaTfjsOps(img: RgbaImage, p: PreprocessConfig): Tensor {
  const w = targetWidth(p, img.width, img.height);
  return tf.tidy(() => {
    const rgba = tf.tensor3d(Uint8Array.from(img.data), [img.height, img.width, 4], 'int32');
    let x: Tensor = tf.cast(tf.slice(rgba, [0, 0, 0], [img.height, img.width, 3]), 'float32');
    if (p.channels === 'gray') x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 2, true);
    else if (p.channels === 'bgr') x = tf.reverse(x, 2);
    x = tf.image.resizeBilinear(x as tf.Tensor3D, [p.height, w], false, true);
    x = tf.div(tf.sub(tf.div(x, 255), p.mean), p.std);
    if (p.resize.mode === 'keep-ratio-pad' && w < p.resize.maxWidth) x = tf.pad(x, [[0, 0], [0, p.resize.maxWidth - w], [0, 0]], p.resize.padValue);
    return tf.expandDims(x, 0);
  });
}

describe('preprocess in one host pass', () => {
  const configs: [string, PreprocessConfig][] = [
    ['crnn-mv3-en (BGR, keep-ratio)', getPreset('crnn-mv3-en').input],
    ['crnn-vgg (gray)', getPreset('crnn-vgg').input],
    ['RGB, keep-ratio-pad', { channels: 'rgb', height: 32, resize: { mode: 'keep-ratio-pad', minWidth: 8, maxWidth: 128, padValue: 0 }, mean: 0.5, std: 0.5 }],
    ['RGB, stretch', { channels: 'rgb', height: 32, resize: { mode: 'stretch', width: 100 }, mean: 0.485, std: 0.229 }],
  ];
  it.each(configs)('equals the tfjs-op pipeline: %s', (_, p) => {
    for (const [w, h] of [
      [150, 47],
      [20, 13],
      [300, 20],
      [7, 40],
    ] as const) {
      const data = new Uint8Array(w * h * 4);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + 13) % 256;
      const img = { width: w, height: h, data };
      const got = preprocess(img, p);
      const want = viaTfjsOps(img, p);
      expect(got.shape).toEqual(want.shape);
      const [a, b] = [got.dataSync(), want.dataSync()];
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(2e-5);
      tf.dispose([got, want]);
    }
  });
});
