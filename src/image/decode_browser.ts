/** Browser / worker decoding: header check, then our wasm JPEG decoder (src/image/jpeg_wasm.ts: baseline
 *  JPEGs, libjpeg-turbo's bytes), else (JPEG 4:2:0, opaque PNG) WebCodecs' ImageDecoder with libjpeg's own
 *  colour conversion (src/image/jpeg_yuv.ts: the same bytes, several times faster than a bitmap), else
 *  createImageBitmap and an OffscreenCanvas read-back. Every path gives the same RGBA. */
import { DEFAULT_LIMITS, ImageDecodeError, decodeSize, type ImageLimits } from './errors.ts';
import { checkImageComplete, readImageHeader } from './header.ts';
import { decodeJpegFirst, loadJpegWasm } from './jpeg_wasm.ts';
import { decodeViaImageDecoder } from './jpeg_yuv.ts';
import type { RgbaImage } from './types.ts';

export function bitmapToRgba(source: ImageBitmap): RgbaImage {
  const canvas = new OffscreenCanvas(source.width, source.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new ImageDecodeError('OffscreenCanvas 2d context unavailable');
  ctx.drawImage(source, 0, 0);
  const d = ctx.getImageData(0, 0, source.width, source.height);
  return { width: d.width, height: d.height, data: d.data };
}

let jpegYuv = true;
/** Off: every image through createImageBitmap (the before/after of `npm run perf -- recognize`). */
export function setJpegYuvEnabled(on: boolean): void {
  jpegYuv = on;
}

export async function decodeBrowser(bytes: Uint8Array, limits: ImageLimits = DEFAULT_LIMITS): Promise<RgbaImage> {
  const h = readImageHeader(bytes, limits);
  checkImageComplete(bytes, h);
  // Past the decode limit the browser hands back a reduced bitmap (its decoder may scale while decoding).
  const size = decodeSize(h.width, h.height, limits);
  if (h.format === 'jpeg' && !size.reduced) {
    // null: not a JPEG our decoder covers (progressive, CMYK, EXIF-rotated, …) or one it finds corrupt.
    await loadJpegWasm();
    const px = decodeJpegFirst(bytes, limits);
    if (px !== null) return px;
  }
  if ((h.format === 'jpeg' || h.format === 'png') && !size.reduced && jpegYuv) {
    // Any failure here falls through to createImageBitmap, which names it.
    const px = await decodeViaImageDecoder(bytes, h.format === 'png' ? 'image/png' : 'image/jpeg').catch(() => null);
    if (px !== null && px.width === h.width && px.height === h.height) return px;
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
      ...(size.reduced ? { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'medium' as const } : {}),
    });
  } catch (err) {
    throw new ImageDecodeError(`cannot decode ${h.format}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return bitmapToRgba(bitmap);
  } finally {
    bitmap.close();
  }
}
