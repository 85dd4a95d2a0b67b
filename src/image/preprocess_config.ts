/** The preprocessing a model declares (docs/models.md §2); `src/models` embeds it in every `ModelConfig`. */

/** How pixels become the input tensor (docs/models.md §2). Values: (v/255 − mean)/std per channel. */
export interface PreprocessConfig {
  channels: 'gray' | 'rgb' | 'bgr';
  height: number;
  /**
   * - `stretch`: resize to height × width regardless of aspect ratio.
   * - `keep-ratio`: width = clamp(ceil(height·w/h), minWidth, maxWidth) (PaddleOCR dynamic width; batch
   *   of one, or batches of equal width).
   * - `keep-ratio-pad`: as keep-ratio, then right-padded with `padValue` (after normalisation) to maxWidth
   *   (PaddleOCR's batched inference).
   * - `keep-ratio-pad-min`: PaddleOCR's `resize_norm_img` batch policy for one image: the input is
   *   clamp(floor(height·w/h), minWidth, maxWidth) wide; the image is resized to
   *   min(that, ceil(height·w/h)) and right-padded with `padValue` to it (PP-OCRv4: minWidth 320).
   */
  resize:
    | { mode: 'stretch'; width: number }
    | { mode: 'keep-ratio'; minWidth: number; maxWidth: number }
    | { mode: 'keep-ratio-pad'; minWidth: number; maxWidth: number; padValue: number }
    | { mode: 'keep-ratio-pad-min'; minWidth: number; maxWidth: number; padValue: number };
  mean: number;
  std: number;
}
