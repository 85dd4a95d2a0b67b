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

/** The header declares more pixels than allowed; rejected before any pixel memory is allocated. */
export class ImageTooLargeError extends WebstrError {
  override name = 'ImageTooLargeError';
  constructor(
    readonly width: number,
    readonly height: number,
    readonly limit: ImageLimits,
  ) {
    super(`image of ${width}×${height} exceeds the limits (side ≤ ${limit.maxSide}, pixels ≤ ${limit.maxPixels})`);
  }
}

export interface ImageLimits {
  maxSide: number;
  maxPixels: number;
}

/** Word crops are small; these bounds keep one hostile file from taking the tab's memory. */
export const DEFAULT_LIMITS: ImageLimits = { maxSide: 16384, maxPixels: 40_000_000 };
