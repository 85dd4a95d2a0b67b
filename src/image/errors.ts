/** Named errors of image input: each is a per-image failure; a batch carries on past it. */
import { WebstrError } from '../runtime/errors.ts';

/** Empty input, or an image of 0×0. */
export class EmptyImageError extends WebstrError {
  override name = 'EmptyImageError';
}

/** Not a format we read (PNG, JPEG, GIF, BMP, WebP), or the header is cut short or corrupt. */
export class ImageDecodeError extends WebstrError {
  override name = 'ImageDecodeError';
}

/** An image file that cannot be read (missing, unreadable, not a regular file); names the file and the reason. */
export class ImageFileError extends WebstrError {
  override name = 'ImageFileError';
}

/** The header declares more pixels than allowed; rejected before any pixel memory is allocated. */
export class ImageTooLargeError extends WebstrError {
  override name = 'ImageTooLargeError';
  constructor(
    readonly width: number,
    readonly height: number,
    readonly limit: ImageLimits,
  ) {
    super(
      width * height > (limit.maxDecodePixels ?? Infinity) && width <= limit.maxSide && height <= limit.maxSide && width * height <= limit.maxPixels
        ? `image of ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP) is more than the ${((limit.maxDecodePixels ?? 0) / 1e6).toFixed(1)} MP decoded here at full size (no reduced-size decoder on this platform); word crops need ~1 MP`
        : `image of ${width}×${height} exceeds the limits (side ≤ ${limit.maxSide}, pixels ≤ ${limit.maxPixels})`,
    );
  }
}

export interface ImageLimits {
  /** Refused from the header above these (no decoder is asked). */
  maxSide: number;
  maxPixels: number;
  /**
   * The most pixels decoded at full size. Larger images (up to maxPixels) are decoded at a reduced size
   * where the platform can (the browser's createImageBitmap resize) and refused where it cannot (Node).
   */
  maxDecodePixels?: number;
}

/** Word crops need ~1 MP at most; 4 MP decoded (16 MB of RGBA) leaves room for odd crops and keeps a
 *  small decompression bomb (a 155 KB PNG of 40 MP) from costing gigabytes. */
export const DEFAULT_DECODE_PIXELS = 4_000_000;

/**
 * Word crops are small; these bounds keep one hostile file from taking the tab's memory. Above 16 MP an
 * image is refused from its header everywhere: Chromium's createImageBitmap decodes at full size before
 * it resizes, so a 40 MP PNG bomb cost ~380 MB in the renderer even when asked for a 4 MP bitmap.
 */
export const DEFAULT_LIMITS: ImageLimits = { maxSide: 16384, maxPixels: 16_000_000, maxDecodePixels: DEFAULT_DECODE_PIXELS };

/** The size an image of w×h is decoded at under `limits` (itself when within maxDecodePixels). */
export function decodeSize(w: number, h: number, limits: ImageLimits): { width: number; height: number; reduced: boolean } {
  const max = limits.maxDecodePixels ?? DEFAULT_DECODE_PIXELS;
  if (w * h <= max) return { width: w, height: h, reduced: false };
  const s = Math.sqrt(max / (w * h));
  return { width: Math.max(1, Math.floor(w * s)), height: Math.max(1, Math.floor(h * s)), reduced: true };
}
