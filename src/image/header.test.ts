import { describe, expect, it } from 'vitest';
import { EmptyImageError, ImageDecodeError, ImageTooLargeError } from './errors.ts';
import { readImageHeader } from './header.ts';

function png(w: number, h: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, w);
  new DataView(b.buffer).setUint32(20, h);
  return b;
}

function jpeg(w: number, h: number): Uint8Array {
  // SOI, APP0 (len 16), SOF0 (len 17)
  const app0 = [0xff, 0xe0, 0, 16, ...new Array<number>(14).fill(0)];
  const sof = [0xff, 0xc0, 0, 17, 8, h >> 8, h & 255, w >> 8, w & 255, 3, ...new Array<number>(9).fill(0)];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof]);
}

describe('image headers', () => {
  it('reads PNG and JPEG sizes', () => {
    expect(readImageHeader(png(120, 40))).toEqual({ format: 'png', width: 120, height: 40 });
    expect(readImageHeader(jpeg(300, 64))).toEqual({ format: 'jpeg', width: 300, height: 64 });
  });
  it('rejects huge and empty images before decoding', () => {
    expect(() => readImageHeader(png(30000, 30000))).toThrow(ImageTooLargeError);
    expect(() => readImageHeader(jpeg(30000, 30000))).toThrow(ImageTooLargeError);
    expect(() => readImageHeader(png(0, 0))).toThrow(EmptyImageError);
    expect(() => readImageHeader(new Uint8Array())).toThrow(EmptyImageError);
  });
  it('rejects truncated and non-image bytes', () => {
    expect(() => readImageHeader(png(10, 10).subarray(0, 12))).toThrow(ImageDecodeError);
    expect(() => readImageHeader(jpeg(10, 10).subarray(0, 10))).toThrow(ImageDecodeError);
    expect(() => readImageHeader(new TextEncoder().encode('hello, world'))).toThrow(/not an image/);
  });
});
