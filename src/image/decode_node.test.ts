/**
 * Hostile images in Node: a decompression bomb within the header limits (a ~155 KB PNG of 16000×2500)
 * is refused before any pixel exists, and cut-off data is a named per-image error, not a grey word.
 */
import { createDeflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../data/shard.ts';
import { decodeNode } from './decode_node.ts';
import { DEFAULT_LIMITS } from './errors.ts';

/** A PNG of w×h RGBA zeros, deflated row by row (never holding the raw pixels). */
async function zeroPng(w: number, h: number): Promise<Uint8Array> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((r) => deflate.on('end', r));
  const row = Buffer.alloc(1 + w * 4);
  for (let y = 0; y < h; y++) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  deflate.end();
  await done;
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const b = Buffer.alloc(12 + data.length);
    b.writeUInt32BE(data.length, 0);
    b.write(type, 4, 'latin1');
    b.set(data, 8);
    b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
    return b;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', new Uint8Array(0))]));
}

/** A small word-like crop encoded by Skia. */
async function crop(format: 'jpeg' | 'png'): Promise<Uint8Array> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const c = createCanvas(160, 48);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 160, 48);
  ctx.fillStyle = '#000';
  ctx.font = '36px sans-serif';
  ctx.fillText('CATS', 10, 38);
  return new Uint8Array(format === 'jpeg' ? await c.encode('jpeg', 90) : await c.encode('png'));
}

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
    expect((err as Error).message).toMatch(/16000×2500 \(40\.0 MP\) is more than the 4\.0 MP/);
    expect(seconds).toBeLessThan(1);
    expect(grewMB).toBeLessThan(300);
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
