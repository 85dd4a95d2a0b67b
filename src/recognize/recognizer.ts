/**
 * The recognition pipeline, environment-agnostic (the worker, the CLI and the scripts share it):
 * input (bytes / Blob / ImageBitmap / ImageData / pixels) → decode → preprocess → batch by input width
 * → model → greedy CTC → {text, confidence, per-character confidences, timings}.
 *
 * Hostile inputs fail per image with a named error (image/errors.ts); the rest of the batch goes on.
 * On WebGPU device loss the recognizer restarts on wasm, rebuilds the model from its host copy of the
 * weights and retries the batch; the switch is reported once (`notice` on the next result and the
 * `onNotice` callback).
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { initBackend, deviceLostError, type BackendName, type InitOptions } from '../runtime/backend.ts';
import { DeviceLostError, InvalidArgumentError, WebstrError, errorInfo, type ErrorInfo } from '../runtime/errors.ts';
import type { ModelConfig } from '../models/config.ts';
import { CompiledModel } from '../models/model.ts';
import { toDevice, toHost, type HostTensors, type Params } from '../models/params.ts';
import { codecFor } from '../text/attention.ts';
import { classMask, parseAllow } from '../text/allow.ts';
import type { Charset } from '../text/charset.ts';
import { inputWidth, preprocess } from '../image/preprocess.ts';
import type { ImageDecoder, RgbaImage } from '../image/types.ts';
import { DEFAULT_LIMITS, EmptyImageError, ImageDecodeError, type ImageLimits } from '../image/errors.ts';
import { copyOut, jpegToInput, type DirectInput } from '../image/jpeg_input.ts';

export interface Timings {
  decodeMs: number;
  preprocessMs: number;
  /** This image's share of its batch's model time. */
  inferMs: number;
  postprocessMs: number;
}

export interface Recognition {
  text: string;
  confidence: number;
  charConfidences: number[];
  timings: Timings;
  /** Backend that produced the result. */
  backend: string;
  /** Set once, on the first result after a backend fallback. */
  notice?: string;
  /** The model's input after its transform (TPS / GA-SPIN) as RGBA pixels, when asked for and the model
   *  has a transform: what the rectification did. */
  rectified?: RgbaImage;
}

export interface RecognizeOptions {
  /** Return the rectified image (models with a transform). */
  rectified?: boolean;
}

export type RecognitionOutcome = ({ ok: true } & Recognition) | { ok: false; error: ErrorInfo };

/** Anything the recognizer accepts as one image. */
export type ImageInput = Uint8Array | ArrayBuffer | Blob | ImageBitmap | ImageData | RgbaImage;

export interface HostWeights {
  config: ModelConfig;
  charset: Charset;
  /** Host copies of the parameters, so the model can be rebuilt on another backend. */
  tensors: HostTensors;
}

export async function hostWeights(config: ModelConfig, charset: Charset, params: Params): Promise<HostWeights> {
  return { config, charset, tensors: await toHost(params) };
}

export interface RecognizerOptions {
  decoder: ImageDecoder;
  /** ImageBitmap → pixels (browser only: decode_browser.ts `bitmapToRgba`). */
  bitmapToPixels?: (bitmap: ImageBitmap) => RgbaImage;
  /** Largest batch of same-width inputs per model call (default 16). */
  maxBatch?: number;
  /** Decoded pixels held per batch before the model runs on them (default 16 M, 64 MB of RGBA). */
  maxBatchPixels?: number;
  /** How to start a backend again after a device loss (gpu entry point, wasm paths). */
  init?: InitOptions;
  onNotice?: (message: string) => void;
  /** Allowed characters at decoding (text/allow.ts: a set name such as `alnum`, or the characters);
   *  default: all the model's characters. */
  allow?: string | null;
  /** Encoded JPEGs go straight to the model's input through our wasm decoder (image/jpeg_input.ts: the same
   *  values, no RGBA in between), checked against these limits (those `decoder` uses: DEFAULT_LIMITS unless
   *  told); what that path does not cover goes through `decoder`. false: every input through `decoder`. */
  jpegInput?: ImageLimits | false;
}

export const DEFAULT_BATCH_PIXELS = 16_000_000;
/** Most images decoded at once by `recognizeBatch` (in a browser, decoding runs off the calling thread). */
export const DECODE_WINDOW = 8;

interface Ready {
  i: number;
  /** What a device-loss retry makes the input again from: the pixels, or the host copy of the input (kept on
   *  webgpu only). */
  px: RgbaImage | null;
  host: Float32Array | null;
  x: Tensor;
  width: number;
  decodeMs: number;
  preprocessMs: number;
}

function now(): number {
  return performance.now();
}

function isRgba(v: unknown): v is RgbaImage {
  return typeof v === 'object' && v !== null && 'width' in v && 'height' in v && 'data' in v;
}

interface RunOutput {
  probs: Float32Array;
  /** [B, H, W, C] in the model's normalised range. */
  rectified: { data: Float32Array; shape: [number, number, number, number] } | null;
}

/** Image k of a normalised [B, H, W, C] batch (values in [−1, 1]) → RGBA pixels. */
function toRgba(r: NonNullable<RunOutput['rectified']>, k: number, channels: 'gray' | 'rgb' | 'bgr'): RgbaImage {
  const [, h, w, c] = r.shape;
  const out = new Uint8ClampedArray(h * w * 4);
  const base = k * h * w * c;
  const byte = (v: number): number => Math.round(((v + 1) / 2) * 255);
  for (let i = 0; i < h * w; i++) {
    const p = base + i * c;
    const [R, G, B] = c === 1 ? [r.data[p]!, r.data[p]!, r.data[p]!] : channels === 'bgr' ? [r.data[p + 2]!, r.data[p + 1]!, r.data[p]!] : [r.data[p]!, r.data[p + 1]!, r.data[p + 2]!];
    out.set([byte(R), byte(G), byte(B), 255], i * 4);
  }
  return { width: w, height: h, data: out };
}

export class Recognizer {
  private model: CompiledModel;
  private readonly codec: ReturnType<typeof codecFor>;
  private pendingNotice: string | null = null;
  private readonly maxBatch: number;
  private mask: Uint8Array | null = null;
  private allowSpec: string | null = null;

  private constructor(
    readonly weights: HostWeights,
    private readonly options: RecognizerOptions,
  ) {
    this.codec = codecFor(weights.config.head, weights.charset);
    this.model = this.build();
    this.maxBatch = options.maxBatch ?? 16;
    this.setAllowed(options.allow ?? null);
  }

  /** The allowed-character spec in force (null: all). */
  get allowed(): string | null {
    return this.allowSpec;
  }

  /** Restricts decoding to `spec` (text/allow.ts); null or 'all' lifts it. Throws (and keeps the previous
   *  set) when the spec allows none of the model's characters. */
  setAllowed(spec: string | null): void {
    const chars = parseAllow(spec);
    const mask = chars === null ? null : classMask(this.weights.charset, chars, this.codec.numClasses, this.codec.firstSymbol, spec ?? '');
    this.mask = mask;
    this.allowSpec = mask === null ? null : spec;
    this.model.setClassMask(mask);
  }

  /** Builds on the active tfjs backend (start the engine first: src/ops/engine*.ts). */
  static create(weights: HostWeights, options: RecognizerOptions): Recognizer {
    return new Recognizer(weights, options);
  }

  get config(): ModelConfig {
    return this.weights.config;
  }

  private build(): CompiledModel {
    const params = toDevice(this.weights.tensors);
    try {
      const model = new CompiledModel(this.weights.config, params, this.codec.numClasses);
      model.setEarlyStop(true); // the codec reads each image up to its first EOS
      return model;
    } finally {
      tf.dispose([...params.values()]);
    }
  }

  /** Bytes / Blob / bitmap / ImageData → pixels. */
  async toPixels(input: ImageInput): Promise<RgbaImage> {
    if (input instanceof Uint8Array) return this.options.decoder(input);
    if (input instanceof ArrayBuffer) return this.options.decoder(new Uint8Array(input));
    if (typeof Blob !== 'undefined' && input instanceof Blob) return this.options.decoder(new Uint8Array(await input.arrayBuffer()));
    if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) {
      if (this.options.bitmapToPixels === undefined) throw new InvalidArgumentError('recognize: ImageBitmap input needs a browser (bitmapToPixels)');
      return this.options.bitmapToPixels(input);
    }
    if (isRgba(input)) {
      if (input.width <= 0 || input.height <= 0) throw new EmptyImageError(`image of ${input.width}×${input.height} has no pixels`);
      if (input.data.length !== input.width * input.height * 4) {
        throw new ImageDecodeError(`pixels: expected ${input.width}×${input.height}×4 = ${input.width * input.height * 4} bytes, got ${input.data.length}`);
      }
      return input;
    }
    throw new InvalidArgumentError('recognize: expected bytes, a Blob, an ImageBitmap or ImageData');
  }

  async recognize(input: ImageInput, options: RecognizeOptions = {}): Promise<Recognition> {
    const [r] = await this.recognizeBatch([input], options);
    if (r === undefined) throw new Error('unreachable');
    if (!r.ok) {
      const e = new WebstrError(r.error.message);
      e.name = r.error.name;
      throw e;
    }
    const { ok: _ok, ...rest } = r;
    return rest;
  }

  /** One outcome per input, in order; a failing input does not stop the others. Decoded pixels are held
   *  (for a device-loss retry) up to `maxBatchPixels` (plus the images of the decode window that crosses
   *  it; windows are sized to the budget left at the mean image size so far): past that the inputs decoded
   *  so far go through the model and are let go before the next ones are decoded. */
  async recognizeBatch(inputs: ImageInput[], options: RecognizeOptions = {}): Promise<RecognitionOutcome[]> {
    const wantRect = options.rectified === true;
    const out: RecognitionOutcome[] = new Array<RecognitionOutcome>(inputs.length);
    const budget = this.options.maxBatchPixels ?? DEFAULT_BATCH_PIXELS;
    const p = this.config.input;
    let i = 0;
    let seen = 0;
    let seenPixels = 0;
    while (i < inputs.length) {
      const ready: Ready[] = [];
      let held = 0;
      while (i < inputs.length && held < budget) {
        // Several images decode at once (a browser decodes off this thread), in order after: as many as
        // the budget left holds at the mean size so far (one to start), DECODE_WINDOW at most.
        const start = i;
        const mean = seen === 0 ? Infinity : seenPixels / seen;
        const window = inputs.slice(start, start + Math.max(1, Math.min(DECODE_WINDOW, Math.floor((budget - held) / mean))));
        i += window.length;
        // JPEG bytes first go straight to the model's input (in turn: it is synchronous); the rest decode at once.
        const direct = window.map((input) => this.directInput(input));
        const slow = window.flatMap((input, k) => (direct[k] === null ? [k] : []));
        const t0 = now();
        const decoded = await Promise.allSettled(slow.map((k) => this.toPixels(window[k]!)));
        const decodeMs = (now() - t0) / Math.max(1, slow.length);
        const pixels = new Map(slow.map((k, j) => [k, decoded[j]!]));
        // An input ready for the model, counted against the budget by its decoded size.
        const hold = (r: Ready, width: number, height: number): void => {
          held += width * height;
          seen++;
          seenPixels += width * height;
          ready.push(r);
        };
        window.forEach((_, k) => {
          const fast = direct[k] ?? null;
          if (fast !== null) {
            hold({ i: start + k, px: null, host: fast.value.host, x: fast.value.x, width: fast.shape[2], decodeMs: fast.decodeMs, preprocessMs: fast.preprocessMs }, fast.width, fast.height);
            return;
          }
          const d = pixels.get(k)!;
          if (d.status === 'rejected') {
            out[start + k] = { ok: false, error: errorInfo(d.reason) };
            return;
          }
          try {
            const px = d.value;
            const t1 = now();
            const x = preprocess(px, p);
            hold({ i: start + k, px, host: null, x, width: inputWidth(p, px.width, px.height), decodeMs, preprocessMs: now() - t1 }, px.width, px.height);
          } catch (err) {
            out[start + k] = { ok: false, error: errorInfo(err) };
          }
        });
      }
      await this.runReady(ready, out, wantRect);
    }
    return out;
  }

  /** Encoded JPEG bytes → the model's input tensor in one pass (image/jpeg_input.ts), or null: decode as usual.
   *  tfjs-wasm copies a new tensor's values into its heap at once, so the tensor is made straight from the
   *  decoder's memory; the other backends keep the array they are given (a copy of it; webgpu's is also what
   *  a device-loss retry uploads again). */
  private directInput(input: ImageInput): DirectInput<{ x: Tensor; host: Float32Array | null }> | null {
    const limits = this.options.jpegInput ?? DEFAULT_LIMITS;
    if (limits === false) return null;
    const bytes = input instanceof Uint8Array ? input : input instanceof ArrayBuffer ? new Uint8Array(input) : null;
    if (bytes === null) return null;
    const backend = tf.getBackend();
    return jpegToInput(bytes, this.config.input, limits, (view, shape) => {
      const host = backend === 'wasm' ? null : copyOut(view);
      return { x: tf.tensor4d(host ?? view, shape), host: backend === 'webgpu' ? host : null };
    });
  }

  private async runReady(ready: Ready[], out: RecognitionOutcome[], wantRect: boolean): Promise<void> {
    // Group same-width inputs into batches.
    const groups = new Map<number, Ready[]>();
    for (const r of ready) groups.set(r.width, [...(groups.get(r.width) ?? []), r]);
    try {
      for (const group of groups.values()) {
        for (let s = 0; s < group.length; s += this.maxBatch) {
          const chunk = group.slice(s, s + this.maxBatch);
          const t0 = now();
          const { probs, rectified } = await this.runWithFallback(chunk, wantRect);
          const t1 = now();
          const [b, frames, classes] = [chunk.length, probs.length / chunk.length / this.codec.numClasses, this.codec.numClasses];
          for (let k = 0; k < b; k++) {
            const c = chunk[k]!;
            const t2 = now();
            const d = this.codec.decodeGreedy(probs.subarray(k * frames * classes, (k + 1) * frames * classes), frames, this.mask);
            const rec: Recognition = {
              ...d,
              backend: tf.getBackend(),
              timings: { decodeMs: c.decodeMs, preprocessMs: c.preprocessMs, inferMs: (t1 - t0) / b, postprocessMs: now() - t2 },
            };
            if (rectified !== null) rec.rectified = toRgba(rectified, k, this.config.input.channels);
            if (this.pendingNotice !== null) {
              rec.notice = this.pendingNotice;
              this.pendingNotice = null;
            }
            out[c.i] = { ok: true, ...rec };
          }
        }
      }
    } finally {
      tf.dispose(ready.map((r) => r.x));
    }
  }

  /** Probabilities of the batch, host side. A lost WebGPU device → wasm, rebuild, retry once (the
   *  inputs are made again from their pixels or their host copy: their tensors died with the device). */
  private async runWithFallback(chunk: { px: RgbaImage | null; host: Float32Array | null; x: Tensor }[], wantRect: boolean): Promise<RunOutput> {
    try {
      return await this.run(chunk.map((c) => c.x), wantRect);
    } catch (err) {
      const lost = err instanceof DeviceLostError ? err : deviceLostError();
      if (lost === null || tf.getBackend() !== 'webgpu') throw err;
      await this.fallback(lost);
      const xs = chunk.map((c) => (c.host !== null ? tf.tensor(c.host, c.x.shape) : preprocess(c.px!, this.config.input)));
      try {
        return await this.run(xs, wantRect);
      } finally {
        tf.dispose(xs);
      }
    }
  }

  private async run(xs: Tensor[], wantRect: boolean): Promise<RunOutput> {
    const out = tf.tidy(() => {
      const { logits, rectified } = this.model.forward(xs.length === 1 ? xs[0]! : tf.concat(xs, 0));
      const kept: Tensor[] = [tf.softmax(logits)];
      if (wantRect && rectified !== null) kept.push(rectified);
      return kept;
    });
    const probs = out[0]!;
    const rect: Tensor | null = out[1] ?? null;
    try {
      const data = (await probs.data()) as Float32Array;
      const rectified = rect === null ? null : { data: (await rect.data()) as Float32Array, shape: rect.shape as [number, number, number, number] };
      const lost = deviceLostError();
      if (lost !== null && tf.getBackend() === 'webgpu') throw lost;
      return { probs: data, rectified };
    } finally {
      probs.dispose();
      rect?.dispose();
    }
  }

  private async fallback(lost: DeviceLostError): Promise<void> {
    const from: BackendName = 'webgpu';
    try {
      this.model.dispose();
    } catch {
      // the lost device's buffers may already be gone
    }
    const report = await initBackend('wasm', this.options.init ?? {});
    this.model = this.build();
    this.model.setClassMask(this.mask);
    const msg = `${lost.message}; switched from ${from} to ${report.backend} and retried`;
    this.pendingNotice = msg;
    this.options.onNotice?.(msg);
  }

  dispose(): void {
    this.model.dispose();
  }
}
