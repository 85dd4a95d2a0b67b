import { describe, expect, it } from 'vitest';
import { inputWidthKey } from './width_key.ts';
import { getPreset } from '../models/presets.ts';

/** A PNG signature and IHDR chunk for a w×h image (enough for the header reader). */
function pngHeader(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, w);
  v.setUint32(20, h);
  b.set([8, 6, 0, 0, 0], 24);
  return b;
}

describe('inputWidthKey', () => {
  const key = inputWidthKey(getPreset('crnn-mv3-en').input);
  it('is the model input width from the header (keep-ratio, height 32, width clamped to 8…320)', () => {
    expect(key({ index: 1, label: '', image: pngHeader(100, 32) })).toBe(100);
    expect(key({ index: 1, label: '', image: pngHeader(100, 64) })).toBe(50);
    expect(key({ index: 1, label: '', image: pngHeader(4000, 10) })).toBe(320);
    expect(key({ index: 1, label: '', image: pngHeader(1, 300) })).toBe(8);
  });
  it('is −1 for bytes that are not an image, empty or truncated', () => {
    for (const image of [new Uint8Array(), new Uint8Array([0x89, 0x50]), new TextEncoder().encode('not an image at all'), pngHeader(0, 0)]) {
      expect(key({ index: 1, label: '', image })).toBe(-1);
    }
  });
});
