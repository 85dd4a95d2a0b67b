/**
 * Hostile images in Node: a decompression bomb within the header limits (a ~155 KB PNG of 16000×2500)
 * is refused before any pixel exists, and cut-off data is a named per-image error, not a grey word.
 */
import { describe, expect, it } from 'vitest';
import { textCrop as crop, zeroPng } from '../testing/images.ts';
import { decodeNode } from './decode_node.ts';
import { DEFAULT_LIMITS } from './errors.ts';

describe('decodeNode against hostile images', () => {
  it('a 16000×2500 PNG bomb (~155 KB) is refused before decoding, fast and with a small peak', async () => {
    const png = await zeroPng(16000, 2500);
    expect(png.length).toBeLessThan(200_000);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const err = await decodeNode(png).catch((e: unknown) => e);
    const seconds = (performance.now() - t0) / 1000;
    const grewMB = (process.memoryUsage().rss - rss0) / 2 ** 20;
    expect((err as Error).name).toBe('ImageTooLargeError');
    expect((err as Error).message).toMatch(/image of 16000×2500 exceeds the limits \(side ≤ 16384, pixels ≤ 16000000\)/);
    expect(seconds).toBeLessThan(1);
    expect(grewMB).toBeLessThan(300);
  });

  it('past the 4 MP decode limit (no reduced decoder in Node) an image is refused before decoding', async () => {
    const err = await decodeNode(await zeroPng(4000, 1500)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ImageTooLargeError');
    expect((err as Error).message).toMatch(/4000×1500 \(6\.0 MP\) is more than the 4\.0 MP decoded here at full size/);
  });

  it('the decode limit is configurable', async () => {
    const png = await zeroPng(3000, 1000);
    await expect(decodeNode(png, { ...DEFAULT_LIMITS, maxDecodePixels: 2_000_000 })).rejects.toMatchObject({ name: 'ImageTooLargeError' });
    const px = await decodeNode(png, { ...DEFAULT_LIMITS, maxDecodePixels: 3_000_000 });
    expect([px.width, px.height]).toEqual([3000, 1000]);
  });

  it.each(['jpeg', 'png'] as const)('a %s cut in half is an ImageDecodeError (it decoded as a grey-filled word)', async (format) => {
    const whole = await crop(format);
    const px = await decodeNode(whole);
    expect([px.width, px.height]).toEqual([160, 48]);
    for (const cut of [0.5, 0.9]) {
      const half = whole.subarray(0, Math.floor(whole.length * cut));
      await expect(decodeNode(half)).rejects.toMatchObject({ name: 'ImageDecodeError', message: expect.stringMatching(/truncated or corrupt/) as string });
    }
  });
});
