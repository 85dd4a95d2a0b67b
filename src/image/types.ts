/** Decoded pixels: RGBA, 8 bits per channel, row-major (the layout of ImageData). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Turns encoded bytes into pixels (browser: createImageBitmap; Node: @napi-rs/canvas). */
export type ImageDecoder = (bytes: Uint8Array) => Promise<RgbaImage>;
