/**
 * JPEG bytes → a model's input in one pass through our wasm decoder (wasm/jpeg.c `jpeg_input`): the image is
 * decoded, resized and normalised inside the module and only the float32 input comes out, with no RGBA copy
 * and no JavaScript resize loop between. The values are the bits `preprocessPixels(decodeJpegWasm(bytes))`
 * gives (the C is that function in the same double-precision order of operations; jpeg_input.test.ts
 * compares them bit for bit), so a model reads the same whichever way its input came.
 *
 * Null, for the caller to decode and preprocess the usual way (and name any error), whenever this path does not
 * cover the input: not a JPEG, a header or size the limits refuse, a truncated file, a JPEG the wasm decoder
 * does not cover or finds corrupt, no WebAssembly.
 */
import { DEFAULT_LIMITS, decodeSize, type ImageLimits } from './errors.ts';
import { checkImageComplete, readImageHeader } from './header.ts';
import { withDecodedJpeg } from './jpeg_wasm.ts';
import { inputWidth, targetWidth } from './preprocess.ts';
import type { PreprocessConfig } from './preprocess_config.ts';

export interface DirectInput<T> {
  /** What `take` made of the input. */
  value: T;
  /** [1, height, width, channels]. */
  shape: [number, number, number, number];
  /** The decoded image's size. */
  width: number;
  height: number;
  decodeMs: number;
  preprocessMs: number;
}

let enabled = true;
/** Off: every input decodes to RGBA and is preprocessed in JavaScript (the before/after of `npm run perf`). */
export function setJpegInputEnabled(on: boolean): void {
  enabled = on;
}

/** The input, [1, height, width, channels] normalised as PreprocessConfig says, copied out of the module. */
export type HostInput = DirectInput<Float32Array>;

export function copyOut(view: Float32Array): Float32Array {
  return view.slice();
}

/**
 * `take` receives the input as a view on the module's memory, valid only during the call: it copies what it
 * keeps (copyOut, the default, into a new array; a tensor on tfjs-wasm, whose write copies into its own heap
 * at once, straight from the view: a fresh array per image costs page faults that cost more than the resize).
 */
export function jpegToInput(bytes: Uint8Array, p: PreprocessConfig, limits?: ImageLimits): HostInput | null;
export function jpegToInput<T>(bytes: Uint8Array, p: PreprocessConfig, limits: ImageLimits | undefined, take: (view: Float32Array, shape: [number, number, number, number]) => T): DirectInput<T> | null;
export function jpegToInput<T>(
  bytes: Uint8Array,
  p: PreprocessConfig,
  limits: ImageLimits = DEFAULT_LIMITS,
  take: (view: Float32Array, shape: [number, number, number, number]) => T = copyOut as unknown as (view: Float32Array) => T,
): DirectInput<T> | null {
  if (!enabled || bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  try {
    // The checks decodeBrowser and decodeNode make first; a failure is theirs to name.
    const h = readImageHeader(bytes, limits);
    if (h.format !== 'jpeg' || decodeSize(h.width, h.height, limits).reduced) return null;
    checkImageComplete(bytes, h);
    const t0 = performance.now();
    return withDecodedJpeg(bytes, limits.maxDecodePixels ?? limits.maxPixels, (m, width, height) => {
      const t1 = performance.now();
      const w = targetWidth(p, width, height);
      const outW = inputWidth(p, width, height);
      const channels = p.channels === 'gray' ? 1 : 3;
      const mode = p.channels === 'gray' ? 0 : p.channels === 'rgb' ? 1 : 2;
      const pad = p.resize.mode === 'keep-ratio-pad' || p.resize.mode === 'keep-ratio-pad-min' ? p.resize.padValue : 0;
      const at = m.jpeg_input(p.height, w, outW, mode, 1 / (255 * p.std), p.mean / p.std, pad);
      if (at === 0) return null;
      const shape: [number, number, number, number] = [1, p.height, outW, channels];
      const value = take(new Float32Array(m.memory.buffer, at, p.height * outW * channels), shape);
      return { value, shape, width, height, decodeMs: t1 - t0, preprocessMs: performance.now() - t1 };
    });
  } catch {
    return null;
  }
}
