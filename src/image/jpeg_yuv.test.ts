/**
 * The ImageDecoder path's plumbing with a stand-in decoder (Node has no WebCodecs): which frames it takes,
 * which it leaves to createImageBitmap, and that a decode that never settles neither hangs the caller nor
 * the decodes after it. Its arithmetic is checked against Chromium's own decoder in e2e/recognizer.spec.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeViaImageDecoder, upsampleH2V2, yccToRgba } from './jpeg_yuv.ts';

interface FakeFrame {
  format: string;
  w: number;
  h: number;
  planes: Uint8Array[];
}

function install(decode: () => Promise<FakeFrame>): { closed: number } {
  const state = { closed: 0 };
  class FakeDecoder {
    decode() {
      return decode().then((f) => {
        const sizes = f.planes.map((p) => p.length);
        return {
          image: {
            format: f.format,
            displayWidth: f.w,
            displayHeight: f.h,
            visibleRect: { x: 0, y: 0 },
            allocationSize: () => sizes.reduce((a, b) => a + b, 0),
            copyTo: (dest: Uint8Array) => {
              let at = 0;
              const layout = f.planes.map((p, k) => {
                dest.set(p, at);
                const l = { offset: at, stride: k === 0 ? f.w : (f.w + 1) >> 1 };
                at += p.length;
                return l;
              });
              return Promise.resolve(layout);
            },
            close: () => undefined,
          },
        };
      });
    }
    close() {
      state.closed++;
    }
  }
  vi.stubGlobal('ImageDecoder', FakeDecoder);
  return state;
}

function i420(w: number, h: number, y: number, cb: number, cr: number): FakeFrame {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  return { format: 'I420', w, h, planes: [new Uint8Array(w * h).fill(y), new Uint8Array(cw * ch).fill(cb), new Uint8Array(cw * ch).fill(cr)] };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('decodeViaImageDecoder', () => {
  it('turns a 4:2:0 frame into RGBA (grey stays grey, pure red chroma as JFIF says)', async () => {
    install(() => Promise.resolve(i420(5, 3, 100, 128, 128)));
    const grey = await decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]));
    expect(grey?.width).toBe(5);
    expect(Array.from(grey!.data.subarray(0, 8))).toEqual([100, 100, 100, 255, 100, 100, 100, 255]);
    install(() => Promise.resolve(i420(4, 2, 76, 85, 255)));
    const red = await decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]));
    // Y 76, Cb 85, Cr 255: JFIF's red, R one step short of 255 by libjpeg's rounding.
    expect(Array.from(red!.data.subarray(0, 4))).toEqual([254, 0, 0, 255]);
  });

  it('leaves other frames to createImageBitmap: other subsampling, too narrow, translucent PNG', async () => {
    install(() => Promise.resolve({ ...i420(4, 2, 1, 2, 3), format: 'I444' }));
    expect(await decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]))).toBeNull();
    install(() => Promise.resolve(i420(2, 2, 1, 2, 3)));
    expect(await decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]))).toBeNull();
    const rgba = new Uint8Array([1, 2, 3, 255, 4, 5, 6, 128]);
    install(() => Promise.resolve({ format: 'RGBA', w: 2, h: 1, planes: [rgba] }));
    expect(await decodeViaImageDecoder(new Uint8Array([0x89]), 'image/png')).toBeNull();
    rgba[7] = 255;
    expect(Array.from((await decodeViaImageDecoder(new Uint8Array([0x89]), 'image/png'))!.data)).toEqual(Array.from(rgba));
  });

  it('gives up on a decode that never settles and goes on with the next', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const state = install(() => (++calls === 1 ? new Promise<FakeFrame>(() => undefined) : Promise.resolve(i420(4, 2, 50, 128, 128))));
    const stuck = decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]));
    const next = decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]));
    await vi.advanceTimersByTimeAsync(10_001);
    expect(await stuck).toBeNull();
    expect((await next)?.data[0]).toBe(50);
    expect(state.closed).toBe(2);
  });

  it('without ImageDecoder answers null at once', async () => {
    expect(await decodeViaImageDecoder(new Uint8Array([0xff, 0xd8]))).toBeNull();
  });
});

describe('the arithmetic', () => {
  it('upsamples a flat plane to the same value and keeps a horizontal step between its two samples', () => {
    expect(Array.from(upsampleH2V2(new Uint8Array([7, 7, 7, 7]), 0, 2, 2, 2, 4, 4))).toEqual(new Array(16).fill(7));
    const row = upsampleH2V2(new Uint8Array([0, 160]), 0, 2, 2, 1, 4, 1);
    expect(Array.from(row)).toEqual([0, 40, 120, 160]); // 3/4 of the nearer sample, 1/4 of the other
  });

  it('clamps to 0–255 as the range limit does', () => {
    const px = yccToRgba(new Uint8Array([250]), 0, 1, new Uint8Array([255]), new Uint8Array([255]), 1, 1);
    // R = 250 + 178 and B = 250 + 225 clamp to 255; G = 250 − 134 (JFIF's weights at Cb = Cr = 255).
    expect(Array.from(px)).toEqual([255, 116, 255, 255]);
  });
});
