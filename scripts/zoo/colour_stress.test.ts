/** The distortions of scripts/zoo/colour_stress.ts on a small image, against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { stress } from './colour_stress.ts';
import type { RgbaImage } from '../../src/image/types.ts';

/** Three pixels: black, mid grey (128) and white; alpha 200 so that its keeping shows. */
function img(): RgbaImage {
  return { width: 3, height: 1, data: new Uint8ClampedArray([0, 0, 0, 200, 128, 128, 128, 200, 255, 255, 255, 200]) };
}
const rgb = (r: RgbaImage): number[] => Array.from(r.data).filter((_, i) => i % 4 !== 3);

describe('colour_stress', () => {
  it('gamma, inversion and low contrast map each channel as documented; alpha and the input are kept', () => {
    const src = img();
    expect(rgb(stress(src, 'invert', 1))).toEqual([255, 255, 255, 127, 127, 127, 0, 0, 0]);
    const g = Math.round(255 * (128 / 255) ** 2.5); // 45
    expect(rgb(stress(src, 'gamma-dark', 1))).toEqual([0, 0, 0, g, g, g, 255, 255, 255]);
    const l = Math.round(255 * (128 / 255) ** 0.4);
    expect(rgb(stress(src, 'gamma-light', 1))).toEqual([0, 0, 0, l, l, l, 255, 255, 255]);
    // mean = 383 / 765; c → mean + 0.3 (c − mean): 0 → 89.4, 128 → 127.8, 255 → 165.9
    expect(rgb(stress(src, 'low-contrast', 1))).toEqual([89, 89, 89, 128, 128, 128, 166, 166, 166]);
    for (const m of ['invert', 'gamma-dark', 'low-contrast', 'tint'] as const) {
      const out = stress(src, m, 7);
      expect(Array.from(out.data).filter((_, i) => i % 4 === 3)).toEqual([200, 200, 200]);
    }
    expect(src.data).toEqual(img().data);
  });
  it('tint is a per-image colour cast fixed by the seed', () => {
    const a = rgb(stress(img(), 'tint', 3));
    expect(rgb(stress(img(), 'tint', 3))).toEqual(a);
    expect(rgb(stress(img(), 'tint', 4))).not.toEqual(a);
    // White goes to (gain)^1.8 per channel, each gain in [0.35, 1]: the channels differ (a cast), none brighter.
    const white = a.slice(6, 9);
    expect(new Set(white).size).toBeGreaterThan(1);
    for (const v of white) expect(v).toBeGreaterThanOrEqual(Math.round(255 * 0.35 ** 1.8));
  });
});
