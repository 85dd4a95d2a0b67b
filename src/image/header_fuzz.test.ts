/**
 * Image headers and whole-file checks under seeded mutation, then Skia on a share of the cases: every case
 * reads or ends in a named WebstrError (EmptyImageError, ImageDecodeError, ImageTooLargeError).
 */
import { describe, expect, it } from 'vitest';
import { fuzzLine, fuzzReader } from '../testing/mutate.ts';
import { decodeNode } from './decode_node.ts';
import { checkImageComplete, readImageHeader } from './header.ts';

async function bases(): Promise<Uint8Array[]> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const c = createCanvas(96, 32);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#eee';
  ctx.fillRect(0, 0, 96, 32);
  ctx.fillStyle = '#123';
  ctx.font = '24px sans-serif';
  ctx.fillText('word', 8, 26);
  const gif = new Uint8Array([...new TextEncoder().encode('GIF89a'), 2, 0, 2, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, 0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b]);
  const bmp = new Uint8Array(54 + 16);
  bmp.set([0x42, 0x4d]);
  const v = new DataView(bmp.buffer);
  v.setUint32(2, bmp.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, 2, true);
  v.setInt32(22, 2, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 32, true);
  return [new Uint8Array(await c.encode('png')), new Uint8Array(await c.encode('jpeg', 85)), new Uint8Array(await c.encode('webp', 80)), gif, bmp];
}

describe('image header fuzz', () => {
  it('6,000 mutations of PNG, JPEG, WebP, GIF and BMP through the header and whole-file checks, 0 escapes', async () => {
    const t = await fuzzReader('image headers', await bases(), 6000, 21, (b) => checkImageComplete(b, readImageHeader(b)));
    console.log(fuzzLine(t));
    expect(t.escapes).toEqual([]);
    expect(t.named.ImageDecodeError).toBeGreaterThan(1000);
    expect(t.ok).toBeGreaterThan(500); // flips inside pixel data leave a readable file
  });

  it('600 of them decoded by Skia (decodeNode), 0 escapes', async () => {
    const t = await fuzzReader('image decode (Node, Skia)', await bases(), 600, 22, (b) => decodeNode(b));
    console.log(fuzzLine(t));
    expect(t.escapes).toEqual([]);
  });
});
