/**
 * Node decoding: baseline JPEGs through our wasm decoder (src/image/jpeg_wasm.ts, the same bytes as libjpeg-turbo,
 * several times faster than a canvas), everything else with @napi-rs/canvas (Skia + libjpeg-turbo, as Chromium).
 * Header, size and completeness checked first.
 */
import { OptionalDependencyError } from '../runtime/errors.ts';
import { DEFAULT_LIMITS, ImageDecodeError, ImageTooLargeError, decodeSize, type ImageLimits } from './errors.ts';
import { checkImageComplete, readImageHeader, type ImageHeader } from './header.ts';
import { decodeJpegFirst } from './jpeg_wasm.ts';
import type { RgbaImage } from './types.ts';

type CanvasModule = typeof import('@napi-rs/canvas');

let canvas: Promise<CanvasModule> | null = null;

/** @napi-rs/canvas is an optional peer of the package (browser installs skip it): a named error without it. */
function canvasModule(): Promise<CanvasModule> {
  canvas ??= import('@napi-rs/canvas').catch((err: unknown) => {
    canvas = null;
    throw new OptionalDependencyError('@napi-rs/canvas', 'decoding images in Node', err instanceof Error ? err.message : String(err));
  });
  return canvas;
}

/** The header, once the image is known to be within the limits and complete. */
function checkedHeader(bytes: Uint8Array, limits: ImageLimits): ImageHeader {
  const h = readImageHeader(bytes, limits);
  // Both decoders decode whole images only: past the decode limit the image is refused before any pixel exists.
  if (decodeSize(h.width, h.height, limits).reduced) throw new ImageTooLargeError(h.width, h.height, limits);
  checkImageComplete(bytes, h);
  return h;
}

export async function decodeNode(bytes: Uint8Array, limits: ImageLimits = DEFAULT_LIMITS): Promise<RgbaImage> {
  const h = checkedHeader(bytes, limits);
  if (h.format === 'jpeg') {
    // null: not a JPEG our decoder covers (progressive, CMYK, EXIF-rotated, …) or one it finds corrupt.
    const px = decodeJpegFirst(bytes, limits);
    if (px !== null) return px;
  }
  return decodeWithCanvas(bytes, h);
}

/** Skia alone (the oracle of the wasm decoder's tests): header, size and completeness checked first. */
export async function decodeNodeSkia(bytes: Uint8Array, limits: ImageLimits = DEFAULT_LIMITS): Promise<RgbaImage> {
  return decodeWithCanvas(bytes, checkedHeader(bytes, limits));
}

async function decodeWithCanvas(bytes: Uint8Array, h: ImageHeader): Promise<RgbaImage> {
  const { createCanvas, loadImage } = await canvasModule();
  let img: Awaited<ReturnType<typeof loadImage>>;
  try {
    img = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new ImageDecodeError(`cannot decode ${h.format}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (img.width !== h.width || img.height !== h.height || img.width === 0) {
    throw new ImageDecodeError(`decoded ${img.width}×${img.height}, header said ${h.width}×${h.height}`);
  }
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, img.width, img.height);
  return { width: d.width, height: d.height, data: d.data };
}
