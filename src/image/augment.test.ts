import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { AUGMENT_STEPS, PADDLE_REC_AUG, augment, curveMap, gaussianBlur, homography, homographyMap, warp } from './augment.ts';
import { EmptyImageError, ImageTooLargeError } from './errors.ts';
import { Rng } from './rng.ts';
import type { RgbaImage } from './types.ts';

function word(w = 100, h = 32): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ink = y > h / 4 && y < (3 * h) / 4 && x % 12 < 5;
      const o = (y * w + x) * 4;
      data[o] = ink ? 20 : 230;
      data[o + 1] = ink ? 30 : 220;
      data[o + 2] = ink ? 40 : 200;
      data[o + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}

describe('augment', () => {
  it('is deterministic in the RNG state and leaves the input alone', () => {
    const img = word();
    const before = new Uint8ClampedArray(img.data);
    const a = augment(img, new Rng(5));
    const b = augment(img, new Rng(5));
    expect(a.applied).toEqual(b.applied);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(Buffer.from(img.data).equals(Buffer.from(before))).toBe(true);
  });

  it('every step at p = 1 keeps size bounds (crop shrinks to ≥ half) and 255 alpha', () => {
    const rng = new Rng(1);
    const all = Object.fromEntries(AUGMENT_STEPS.map((k) => [k, { p: 1, strength: PADDLE_REC_AUG[k]!.strength }]));
    for (let i = 0; i < 30; i++) {
      const img = word(40 + i * 7, 16 + i);
      const { image, applied } = augment(img, rng, all);
      expect(applied).toEqual(AUGMENT_STEPS);
      expect(image.width).toBeLessThanOrEqual(img.width);
      expect(image.height).toBeLessThanOrEqual(img.height);
      expect(image.width).toBeGreaterThanOrEqual(Math.ceil(img.width / 2));
      expect(image.height).toBeGreaterThanOrEqual(Math.ceil(img.height / 2));
      expect(image.data.length).toBe(image.width * image.height * 4);
      let alpha = 255;
      for (let j = 3; j < image.data.length; j += 4) alpha = Math.min(alpha, image.data[j]!);
      expect(alpha).toBe(255);
    }
  });

  it('takes any uniform source: an Rng, {next}, or a function, with the same results for the same draws', () => {
    const img = word();
    const a = augment(img, new Rng(77));
    const r = new Rng(77);
    const b = augment(img, () => r.next());
    const r2 = new Rng(77);
    const c = augment(img, { next: () => r2.next() });
    expect(b.applied).toEqual(a.applied);
    expect(Buffer.from(b.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(Buffer.from(c.image.data).equals(Buffer.from(a.image.data))).toBe(true);
    expect(() => augment(img, () => 1.5)).toThrow(InvalidArgumentError);
    expect(() => augment(img, () => Number.NaN)).toThrow(InvalidArgumentError);
  });

  it('at p = 0 nothing happens (a copy comes back)', () => {
    const img = word();
    const none = Object.fromEntries(AUGMENT_STEPS.map((k) => [k, { p: 0, strength: 0 }]));
    const { image, applied } = augment(img, new Rng(3), none);
    expect(applied).toEqual([]);
    expect(image.data).not.toBe(img.data);
    expect(Buffer.from(image.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it('applies each step about p of the time', () => {
    const rng = new Rng(9);
    const counts: Record<string, number> = {};
    const img = word(30, 12);
    for (let i = 0; i < 400; i++) for (const k of augment(img, rng).applied) counts[k] = (counts[k] ?? 0) + 1;
    expect(counts.blur! / 400).toBeGreaterThan(0.3);
    expect(counts.blur! / 400).toBeLessThan(0.5);
    expect(counts.curve! / 400).toBeGreaterThan(0.12);
    expect(counts.curve! / 400).toBeLessThan(0.28);
  });

  it('hostile images and options are named errors', () => {
    const rng = new Rng(0);
    expect(() => augment({ width: 0, height: 0, data: new Uint8Array(0) }, rng)).toThrow(EmptyImageError);
    expect(() => augment({ width: 10, height: 0, data: new Uint8Array(0) }, rng)).toThrow(EmptyImageError);
    expect(() => augment({ width: 20000, height: 20000, data: new Uint8Array(0) }, rng)).toThrow(ImageTooLargeError);
    expect(() => augment({ width: 10000, height: 5000, data: new Uint8Array(0) }, rng)).toThrow(ImageTooLargeError);
    expect(() => augment({ width: -1, height: 5, data: new Uint8Array(0) }, rng)).toThrow(InvalidArgumentError);
    expect(() => augment({ width: 1.5, height: 5, data: new Uint8Array(0) }, rng)).toThrow(InvalidArgumentError);
    expect(() => augment({ width: 4, height: 4, data: new Uint8Array(10) }, rng)).toThrow(InvalidArgumentError);
    expect(() => augment(word(), rng, { blur: { p: 2, strength: 1 } })).toThrow(InvalidArgumentError);
    expect(() => augment(word(), rng, { blur: { p: 0.5, strength: 100 } })).toThrow(InvalidArgumentError);
    expect(() => augment(word(), rng, { noise: { p: 0.5, strength: Number.NaN } })).toThrow(InvalidArgumentError);
    expect(() => augment(word(), rng, { sharpen: { p: 1, strength: 1 } } as never)).toThrow(InvalidArgumentError);
    expect(() => gaussianBlur(word(), 0)).toThrow(InvalidArgumentError);
  });

  it('a 1×1 image survives every step', () => {
    const img: RgbaImage = { width: 1, height: 1, data: new Uint8ClampedArray([10, 20, 30, 255]) };
    const all = Object.fromEntries(AUGMENT_STEPS.map((k) => [k, { p: 1, strength: PADDLE_REC_AUG[k]!.strength }]));
    const { image } = augment(img, new Rng(2), all);
    expect([image.width, image.height]).toEqual([1, 1]);
  });
});

describe('warps', () => {
  it('the identity homography reproduces the image', () => {
    const img = word(20, 10);
    const sq: [number, number][] = [[0, 0], [20, 0], [20, 10], [0, 10]];
    const out = warp(img, 20, 10, homographyMap(homography(sq, sq)));
    let diff = 0;
    for (let i = 0; i < img.data.length; i++) diff = Math.max(diff, Math.abs(img.data[i]! - out.data[i]!));
    expect(diff).toBeLessThanOrEqual(1);
  });

  it('the homography maps the four corners', () => {
    const from: [number, number][] = [[0, 0], [100, 0], [100, 32], [0, 32]];
    const to: [number, number][] = [[3, -2], [95, 4], [104, 30], [-5, 35]];
    const m = homographyMap(homography(from, to));
    const p = new Float64Array(2);
    from.forEach(([x, y], i) => {
      m(x, y, p);
      expect(p[0]).toBeCloseTo(to[i]![0], 9);
      expect(p[1]).toBeCloseTo(to[i]![1], 9);
    });
    expect(() => homography(from, [[0, 0], [0, 0], [0, 0], [0, 0]])).toThrow(InvalidArgumentError);
  });

  it('the curve moves the middle by the amplitude relative to the ends', () => {
    const m = curveMap(100, 32, 0.25);
    const p = new Float64Array(2);
    m(0, 16, p);
    const end = p[1]!;
    m(50, 16, p);
    expect(p[1]! - end).toBeCloseTo(8, 9);
  });
});
