import { describe, expect, it } from 'vitest';
import { EmptyImageError, ImageDecodeError, ImageTooLargeError } from './errors.ts';
import { checkImageComplete, readImageHeader } from './header.ts';
import { pngHeader } from '../testing/images.ts';

function jpeg(w: number, h: number): Uint8Array {
  // SOI, APP0 (len 16), SOF0 (len 17)
  const app0 = [0xff, 0xe0, 0, 16, ...new Array<number>(14).fill(0)];
  const sof = [0xff, 0xc0, 0, 17, 8, h >> 8, h & 255, w >> 8, w & 255, 3, ...new Array<number>(9).fill(0)];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof]);
}

describe('image headers', () => {
  it('reads PNG and JPEG sizes', () => {
    expect(readImageHeader(pngHeader(120, 40))).toEqual({ format: 'png', width: 120, height: 40 });
    expect(readImageHeader(jpeg(300, 64))).toEqual({ format: 'jpeg', width: 300, height: 64 });
  });
  it('rejects huge and empty images before decoding', () => {
    expect(() => readImageHeader(pngHeader(30000, 30000))).toThrow(ImageTooLargeError);
    expect(() => readImageHeader(jpeg(30000, 30000))).toThrow(ImageTooLargeError);
    expect(() => readImageHeader(pngHeader(0, 0))).toThrow(EmptyImageError);
    expect(() => readImageHeader(new Uint8Array())).toThrow(EmptyImageError);
  });
  it('rejects truncated and non-image bytes', () => {
    expect(() => readImageHeader(pngHeader(10, 10).subarray(0, 12))).toThrow(ImageDecodeError);
    expect(() => readImageHeader(jpeg(10, 10).subarray(0, 10))).toThrow(ImageDecodeError);
    expect(() => readImageHeader(new TextEncoder().encode('hello, world'))).toThrow(/not an image/);
  });
});

describe('whole-file checks (a decoder fills a cut-off image with grey)', () => {
  const complete = (b: Uint8Array): void => checkImageComplete(b, readImageHeader(b));
  it('a JPEG must reach its end-of-image marker, past stuffed bytes, restarts and every scan', () => {
    const head = jpeg(10, 10);
    const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0];
    const scan = [0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xff, 0xd1, 0x78];
    const whole = new Uint8Array([...head, ...sos, ...scan, ...sos, ...scan, 0xff, 0xd9]);
    expect(() => complete(whole)).not.toThrow();
    expect(() => complete(new Uint8Array([...whole, 0, 0, 0]))).not.toThrow(); // trailing bytes after EOI
    for (let cut = head.length + 1; cut < whole.length - 1; cut++) {
      expect(() => complete(whole.subarray(0, cut)), `cut at ${cut}`).toThrow(ImageDecodeError);
    }
  });
  it('PNG needs IEND with every chunk inside the file; GIF its trailer; BMP and WebP their declared size', () => {
    const p = pngHeader(4, 4); // IHDR without its CRC and no IEND
    expect(() => complete(p)).toThrow(/truncated or corrupt PNG/);
    const iend = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
    const ok = new Uint8Array([...p, ...iend]);
    expect(() => complete(ok)).not.toThrow();
    expect(() => complete(ok.subarray(0, ok.length - 1))).toThrow(ImageDecodeError);
    const gif = new Uint8Array([...new TextEncoder().encode('GIF89a'), 4, 0, 4, 0, 0, 0, 0, 0x2c, 0x3b]);
    expect(() => complete(gif)).not.toThrow();
    expect(() => complete(gif.subarray(0, gif.length - 1))).toThrow(/GIF/);
    const bmp = new Uint8Array(54 + 4 * 4 * 4);
    bmp.set([0x42, 0x4d]);
    const v = new DataView(bmp.buffer);
    v.setUint32(2, bmp.length, true);
    v.setUint32(10, 54, true);
    v.setInt32(18, 4, true);
    v.setInt32(22, 4, true);
    v.setUint16(28, 32, true);
    expect(() => complete(bmp)).not.toThrow();
    expect(() => complete(bmp.subarray(0, 100))).toThrow(/BMP/);
    const webp = new Uint8Array(40);
    webp.set(new TextEncoder().encode('RIFF'), 0);
    new DataView(webp.buffer).setUint32(4, 32, true);
    webp.set(new TextEncoder().encode('WEBPVP8X'), 8);
    expect(() => complete(webp)).not.toThrow();
    expect(() => complete(webp.subarray(0, 36))).toThrow(/WEBP/);
  });
});
