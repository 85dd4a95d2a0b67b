/**
 * The sort key that makes width-ordered windows (runner.ts `window` + `groupKey`) pay: a sample's model
 * input width, read from its image header without decoding. The recognizer batches same-width inputs
 * into one model call, so ordering a window by width gives it fuller batches (fewer, larger calls on wasm).
 */
import { readImageHeader } from '../image/header.ts';
import { inputWidth } from '../image/preprocess.ts';
import type { PreprocessConfig } from '../image/preprocess_config.ts';
import type { EvalSample } from './runner.ts';

/** −1 when the header is unreadable: such a sample sorts first and its decode reports the error. */
export function inputWidthKey(p: PreprocessConfig): (s: EvalSample) => number {
  return (s) => {
    try {
      const h = readImageHeader(s.image);
      return inputWidth(p, h.width, h.height);
    } catch {
      return -1;
    }
  };
}
