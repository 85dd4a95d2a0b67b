/** Test images made in code: a PNG decompression bomb, a bare PNG header and a small text crop. */
import { createDeflate } from 'node:zlib';
import { crc32 } from '../data/shard.ts';

/** A PNG of w×h RGBA zeros, deflated row by row (never holding the raw pixels). */
export async function zeroPng(w: number, h: number): Promise<Uint8Array> {
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

/** The first 33 bytes of a PNG claiming w×h: signature and IHDR with a zero CRC, no pixels, for header checks. */
export function pngHeader(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  return b;
}

/** A small word-like crop ("CATS", 160×48) encoded by Skia. */
export async function textCrop(format: 'jpeg' | 'png'): Promise<Uint8Array> {
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

