import { createCanvas, Image } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { jpegArtifacts, lowResolution } from './degrade.ts';
import type { RgbaImage } from './types.ts';

/** A 64 × 24 crop: a sharp dark bar pattern on a colour gradient. */
function pattern(): RgbaImage {
  const w = 64;
  const h = 24;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ink = x % 11 < 3 && y > 4 && y < 20;
      const i = (y * w + x) * 4;
      data[i] = ink ? 20 : 120 + 2 * x;
      data[i + 1] = ink ? 30 : 200 - 3 * y;
      data[i + 2] = ink ? 40 : 90 + x;
      data[i + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}

/** What a real JPEG encoder and decoder (Skia's, through @napi-rs/canvas) make of the image. */
function realJpeg(img: RgbaImage, quality: number): RgbaImage {
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  const id = ctx.createImageData(img.width, img.height);
  id.data.set(img.data);
  ctx.putImageData(id, 0, 0);
  const decoded = new Image();
  decoded.src = c.toBuffer('image/jpeg', quality);
  const d = createCanvas(img.width, img.height);
  const dctx = d.getContext('2d');
  dctx.drawImage(decoded, 0, 0);
  return { width: img.width, height: img.height, data: new Uint8ClampedArray(dctx.getImageData(0, 0, img.width, img.height).data) };
}

const meanAbs = (a: RgbaImage, b: RgbaImage): number => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) { s += Math.abs(a.data[i]! - b.data[i]!); n++; }
  return s / n;
};

describe('jpegArtifacts', () => {
  it('is close to a real encoder at the same quality (much closer than the clean image is)', () => {
    const src = pattern();
    for (const q of [15, 40]) {
      const real = realJpeg(src, q);
      const ours = jpegArtifacts(src, q);
      const loss = meanAbs(src, real);
      expect(loss).toBeGreaterThan(1);
      expect(meanAbs(ours, real)).toBeLessThan(loss * 0.6);
    }
  });

  it('loses more at a lower quality, little at 100 (chroma subsampling only); keeps alpha and size; refuses bad qualities', () => {
    const src = pattern();
    expect(meanAbs(src, jpegArtifacts(src, 100))).toBeLessThan(4); // 4:2:0 chroma on sharp colour edges
    expect(meanAbs(src, jpegArtifacts(src, 10))).toBeGreaterThan(meanAbs(src, jpegArtifacts(src, 60)));
    const odd = { width: 13, height: 7, data: new Uint8ClampedArray(13 * 7 * 4).fill(200) };
    const out = jpegArtifacts(odd, 30);
    expect([out.width, out.height]).toEqual([13, 7]);
    expect(Math.abs(out.data[0]! - 200)).toBeLessThanOrEqual(1);
    expect(out.data[3]).toBe(200);
    expect(() => jpegArtifacts(src, 0)).toThrow(InvalidArgumentError);
    expect(() => jpegArtifacts(src, 50.5)).toThrow(InvalidArgumentError);
  });
});

describe('lowResolution', () => {
  it('keeps the size and flat areas, blurs edges more at lower scales; refuses bad scales', () => {
    const src = pattern();
    const half = lowResolution(src, 0.5);
    const third = lowResolution(src, 0.3);
    expect([half.width, half.height]).toEqual([64, 24]);
    expect(meanAbs(src, third)).toBeGreaterThan(meanAbs(src, half));
    expect(meanAbs(src, lowResolution(src, 1))).toBe(0);
    const flat = { width: 10, height: 10, data: new Uint8ClampedArray(400).fill(77) };
    expect([...lowResolution(flat, 0.4).data].every((v) => v === 77)).toBe(true);
    expect(() => lowResolution(src, 0)).toThrow(InvalidArgumentError);
    expect(() => lowResolution(src, 1.5)).toThrow(InvalidArgumentError);
  });
});
