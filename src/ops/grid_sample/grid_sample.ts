/**
 * `gridSample(image, grid, {alignCorners, padding})`: bilinear sampling with PyTorch `F.grid_sample`
 * semantics (docs/models.md §4.5), NHWC. The sampler of the TPS transform (RARE) and of GA-SPIN.
 *   image [B, H, W, C], grid [B, Ho, Wo, 2] in (x, y) order, normalised to [−1, 1] → [B, Ho, Wo, C].
 * Differentiable with respect to the image and the grid (the TPS localisation network learns through
 * the grid). Numerics: ./reference.ts; WGSL: shaders/grid_sample*.wgsl.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import type { GridSampleAttrs, Padding } from './reference.ts';

export const GRID_SAMPLE = 'WebstrGridSample';
export const GRID_SAMPLE_GRAD_IMAGE = 'WebstrGridSampleGradImage';
export const GRID_SAMPLE_GRAD_GRID = 'WebstrGridSampleGradGrid';

export type { GridSampleAttrs, Padding };

export interface GridSampleOptions {
  /** PyTorch's align_corners. Default true (the DTRB/PaddleOCR checkpoints' setting, docs/models.md §4.5). */
  alignCorners?: boolean;
  /** 'zeros' (taps outside read 0) or 'border' (coordinates clipped to the image). Default 'border'. */
  padding?: Padding;
}

const PADDINGS: readonly Padding[] = ['zeros', 'border'];

function shapeText(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

export function gridSample(image: Tensor, grid: Tensor, options: GridSampleOptions = {}): tf.Tensor4D {
  if (!(image instanceof tf.Tensor) || !(grid instanceof tf.Tensor)) {
    throw new InvalidArgumentError('gridSample: expected tf.Tensor arguments for image and grid');
  }
  if (image.rank !== 4) {
    throw new InvalidArgumentError(`gridSample: expected image of shape [B, H, W, C], got ${shapeText(image)}`);
  }
  const [B, H, W, C] = image.shape as [number, number, number, number];
  if (grid.rank !== 4 || grid.shape[0] !== B || grid.shape[3] !== 2) {
    throw new InvalidArgumentError(
      `gridSample: expected grid of shape [${B}, Ho, Wo, 2] (batch of the image, (x, y) last), got ${shapeText(grid)}`,
    );
  }
  if (H < 1 || W < 1 || C < 1) {
    throw new InvalidArgumentError(`gridSample: expected a non-empty image, got ${shapeText(image)}`);
  }
  if (image.dtype !== 'float32' || grid.dtype !== 'float32') {
    throw new InvalidArgumentError(`gridSample: expected float32 image and grid, got ${image.dtype} and ${grid.dtype}`);
  }
  const padding = options.padding ?? 'border';
  if (!PADDINGS.includes(padding)) {
    throw new InvalidArgumentError(`gridSample: unknown padding '${String(padding)}': expected one of ${PADDINGS.join(', ')}`);
  }
  const attrs: GridSampleAttrs = { alignCorners: options.alignCorners ?? true, padding };
  return tf.engine().runKernel<tf.Tensor4D>(GRID_SAMPLE, { image, grid }, { ...attrs });
}
