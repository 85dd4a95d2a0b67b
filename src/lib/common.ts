/**
 * The library's surface shared by its browser and Node entries (src/lib/browser.ts, src/lib/node.ts):
 * options, results, and evaluation of a recognizer on LMDB datasets with the benchmark core. Free of
 * tfjs: a page's main thread imports it, the engine lives in the workers.
 */
import { InvalidArgumentError, errorInfo } from '../runtime/errors.ts';
import type { BackendRequest } from '../runtime/backend_names.ts';
import type { ErrorInfo } from '../runtime/errors.ts';
import { blobByteSource, memoryByteSource, type ByteSource } from '../runtime/byte_source.ts';
import { openDtrbDataset } from '../data/dtrb.ts';
import { evaluate as evaluateCore, type EvalDataset, type EvalOptions, type EvalProgress, type EvalReport } from '../eval/runner.ts';
import type { ModelInput, ModelResolver } from '../recognize/model_source.ts';


// The public shapes of results, declared here rather than re-exported from src/recognize so the
// package's types do not reach tfjs's (an app's tsc then checks only these). The recognizer's own
// types must stay assignable to them: src/lib/*.ts return its results under these names.

/** Milliseconds spent on one image. */
export interface Timings {
  decodeMs: number;
  preprocessMs: number;
  /** This image's share of its batch's model time. */
  inferMs: number;
  postprocessMs: number;
}

export interface Recognition {
  text: string;
  /** Product of the per-character confidences. */
  confidence: number;
  charConfidences: number[];
  timings: Timings;
  /** The backend that produced the result. */
  backend: string;
  /** Set once, on the first result after a backend fallback. */
  notice?: string;
}

/** One image's result: the text, or the named error that image met (the others go on). */
export type RecognitionOutcome = ({ ok: true } & Recognition) | { ok: false; error: ErrorInfo };
export type { ErrorInfo };
export type { EvalDataset, EvalProgress, EvalReport } from '../eval/runner.ts';
export type { ModelInput, ModelResolver, ModelSource } from '../recognize/model_source.ts';

export interface CreateRecognizerOptions {
  /** A URL or path of a webstr model.json, an .onnx or a .pth; their bytes; or a model name. */
  model: ModelInput;
  /** The architecture of an .onnx / .pth (default 'crnn-mv3-en'); webstr model.json files carry their own. */
  preset?: string;
  /** 'auto' (default): WebGPU on a hardware adapter, else wasm. */
  backend?: BackendRequest;
  /** Browser: workers in the pool (default: 1 on WebGPU, else one per core up to 4). Node: worker threads (default: none, the model runs in the calling thread). */
  workers?: number;
  /** Largest batch of same-width crops per model call (default 16). */
  maxBatch?: number;
  /** Only these characters at decoding: a set name ('alnum', 'digits', 'latin', …) or 'chars:<characters>'. */
  allow?: string;
  /** Hears of a backend fallback (a lost WebGPU device → wasm), once. */
  onNotice?: (message: string) => void;
  /** Turns a model name into a model (a registry of named models); asked before the shipped models. */
  resolveModel?: ModelResolver;
  /**
   * Browser: the folder serving the shipped models (`index.json`, `<name>/model.json`): default the
   * package's own `dist-lib/browser/models/` beside its index.js (right when the package is served as
   * is; a bundled app copies that folder and names it here). Node reads them from the package.
   */
  modelBaseUrl?: string | URL;
}

export interface RecognizeProgress {
  done: number;
  total: number;
}

export interface RecognizeCallOptions {
  /** Called as images finish (after each batch). */
  onProgress?: (p: RecognizeProgress) => void;
  /** Aborting rejects the call with the signal's reason; batches already running finish first. */
  signal?: AbortSignal;
  /**
   * Browser only: move the images' buffers to the workers instead of copying them (whole ArrayBuffers and
   * Uint8Arrays, ImageBitmaps, ImageData pixels; see src/lib/transfer.ts). They are detached in the caller
   * afterwards (length 0), so pass it for bytes you will not read again. Ignored in Node.
   */
  transfer?: boolean;
}

/** What a recognizer says about itself once it has started. */
export interface RecognizerInfo {
  backend: string;
  /** Why that backend (the capability report's reason). */
  reason: string;
  preset: string;
  workers: number;
}

export interface EvaluateOptions extends Pick<EvalOptions, 'limit' | 'filtering' | 'batchSize' | 'keepFailures'> {
  onProgress?: (p: EvalProgress) => void;
  signal?: AbortSignal;
}

/** The part of a recognizer evaluation needs. */
export interface BatchRecognizer {
  recognize(images: Uint8Array[], options?: RecognizeCallOptions): Promise<RecognitionOutcome[]>;
}

/** An LMDB dataset (deep-text-recognition-benchmark layout: `data.mdb`) from its bytes or a File/Blob. */
export async function openLmdb(data: Blob | Uint8Array, name = typeof File !== 'undefined' && data instanceof File ? data.name.replace(/\.mdb$/i, '') : 'dataset'): Promise<EvalDataset> {
  const src: ByteSource = data instanceof Uint8Array ? memoryByteSource(data) : blobByteSource(data);
  const ds = await openDtrbDataset(src);
  return { name, count: ds.count, samples: () => ds.samples(), sample: (i) => ds.sample(i) };
}

/**
 * Scores `recognizer` on `datasets` as `webstr eval` and the bench page do (lowercase alphanumeric exact
 * match, case-sensitive accuracy, 1-NED; every sample scored unless `filtering: 'dtrb'`).
 */
export async function evaluate(recognizer: BatchRecognizer, datasets: EvalDataset[], options: EvaluateOptions = {}): Promise<EvalReport> {
  if (datasets.length === 0) throw new InvalidArgumentError('evaluate: no datasets');
  const { signal, onProgress, ...rest } = options;
  return evaluateCore(
    datasets,
    async (images) => {
      signal?.throwIfAborted();
      const out = await recognizer.recognize(images, signal === undefined ? {} : { signal });
      return out.map((o) => (o.ok ? { text: o.text, confidence: o.confidence } : { error: `${o.error.name}: ${o.error.message}` }));
    },
    { ...rest, ...(onProgress !== undefined ? { onProgress } : {}), ...(signal !== undefined ? { signal } : {}) },
  );
}

/**
 * One chunk of a recognize call, in order: each image prepared on its own (a bad one becomes its failed
 * outcome, named), the rest recognized together by `recognize` (a worker's batch or the in-process core).
 */
export async function recognizeChunk<S, I>(images: readonly S[], prepare: (image: S) => Promise<I>, recognize: (ready: I[]) => Promise<RecognitionOutcome[]>): Promise<RecognitionOutcome[]> {
  const failed = new Map<number, RecognitionOutcome>();
  const ready: I[] = [];
  for (let i = 0; i < images.length; i++) {
    try {
      ready.push(await prepare(images[i]!));
    } catch (err) {
      failed.set(i, { ok: false, error: errorInfo(err) });
    }
  }
  const got = ready.length === 0 ? [] : await recognize(ready);
  let k = 0;
  return images.map((_, i) => failed.get(i) ?? got[k++]!);
}
