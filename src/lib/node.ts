/**
 * webstr for Node: the same `createRecognizer` as the browser entry, running in this process on tfjs
 * wasm (or cpu; WebGPU through Dawn when the optional `webgpu` package finds a GPU). Images are decoded
 * with the optional `@napi-rs/canvas`. tfjs has one engine per process: recognizers share its backend.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { startEngine } from '../ops/engine_node.ts';
import { decodeNode } from '../image/decode_node.ts';
import { DEFAULT_LIMITS, ImageFileError } from '../image/errors.ts';
import type { RgbaImage } from '../image/types.ts';
import { Recognizer as CoreRecognizer } from '../recognize/recognizer.ts';
import { toHostWeights } from '../recognize/load.ts';
import { loadModelInputNode } from '../recognize/node_load.ts';
import { openDatasetPath } from '../data/node_shards.ts';
import type { EvalDataset } from '../eval/runner.ts';
import { checkWorkers } from '../eval/pool.ts';
import type { ModelSource } from '../recognize/model_source.ts';
import { createThreadPool } from './node_pool.ts';
import type { ThreadInput } from './node_pool_protocol.ts';
import { recognizeChunk, type CreateRecognizerOptions, type RecognitionOutcome, type RecognizeCallOptions, type RecognizerInfo } from './common.ts';

export * from './common.ts';
export { UnknownModelError, sniffModelBytes } from '../recognize/model_source.ts';
export { train, type TrainOptions, type TrainSummary } from './train_node.ts';
export { WebstrError, InvalidArgumentError, BackendUnavailableError, DeviceLostError } from '../runtime/errors.ts';

/** One image: a path, a file: or http(s): URL, encoded bytes, a Blob, or decoded RGBA pixels. */
export type ImageSource = string | URL | Uint8Array | ArrayBuffer | Blob | RgbaImage;

export interface Recognizer {
  readonly info: RecognizerInfo;
  recognize(images: ImageSource[], options?: RecognizeCallOptions): Promise<RecognitionOutcome[]>;
  recognize(image: ImageSource, options?: RecognizeCallOptions): Promise<RecognitionOutcome>;
  /** Frees the model's tensors. */
  terminate(): Promise<void>;
}

/** Images per model call group (same as the CLI's chunk of files). */
const CHUNK = 64;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new InvalidArgumentError(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A path's bytes; a file that cannot be read is that image's ImageFileError (the others go on). */
async function readImage(file: string | URL): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder, not a file' : err instanceof Error ? err.message : String(err);
    throw new ImageFileError(`cannot read '${String(file)}': ${reason}`);
  }
}

async function toInput(image: ImageSource): Promise<Exclude<ImageSource, string | URL>> {
  if (typeof image === 'string') return readImage(image);
  if (image instanceof URL) return image.protocol === 'file:' ? readImage(image) : fetchBytes(image.href);
  return image;
}

/** An image as a worker thread takes it: read, and a Blob as its bytes. */
async function toThreadInput(image: ImageSource): Promise<ThreadInput> {
  const input = await toInput(image);
  return input instanceof Blob ? new Uint8Array(await input.arrayBuffer()) : input;
}

/** `workers: n`: n worker threads (node_pool.ts); a name the caller's resolver knows is resolved here. */
async function createPool(options: CreateRecognizerOptions, workers: number): Promise<Recognizer> {
  const { model, resolveModel } = options;
  let resolved: ModelSource | undefined;
  if (typeof model === 'string' && resolveModel !== undefined && /^[\w.-]+$/.test(model)) resolved = (await resolveModel(model)) ?? undefined;
  const bytes = model instanceof Blob ? new Uint8Array(await model.arrayBuffer()) : model;
  return createThreadPool<ImageSource>({
    workers,
    create: {
      model: bytes,
      ...(resolved !== undefined ? { resolved } : {}),
      backend: options.backend ?? 'auto',
      ...(options.preset !== undefined ? { preset: options.preset } : {}),
      ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
      ...(options.allow !== undefined ? { allow: options.allow } : {}),
    },
    ...(options.onNotice !== undefined ? { onNotice: options.onNotice } : {}),
    prepare: toThreadInput,
  });
}

/**
 * Without `workers`, the model runs in this process; with `workers: n`, in n worker threads (same
 * results, in order; a thread that dies fails only its images, with WorkerCrashedError).
 */
export async function createRecognizer(options: CreateRecognizerOptions): Promise<Recognizer> {
  if (options.workers !== undefined) return createPool(options, checkWorkers(options.workers));
  const { report, init } = await startEngine(options.backend ?? 'auto');
  const loaded = await loadModelInputNode(options.model, options.preset ?? 'crnn-mv3-en', options.resolveModel);
  const loadedPreset = loaded.meta.preset;
  const weights = await toHostWeights(loaded);
  const core = CoreRecognizer.create(weights, {
    decoder: (b) => decodeNode(b, DEFAULT_LIMITS),
    init,
    ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
    ...(options.allow !== undefined ? { allow: options.allow } : {}),
    ...(options.onNotice !== undefined ? { onNotice: options.onNotice } : {}),
  });
  return new NodeRecognizer(core, { backend: report.backend, reason: report.reason, preset: loadedPreset, workers: 1 });
}

class NodeRecognizer implements Recognizer {
  private terminated = false;

  constructor(
    private readonly core: CoreRecognizer,
    readonly info: RecognizerInfo,
  ) {}

  recognize(images: ImageSource[], options?: RecognizeCallOptions): Promise<RecognitionOutcome[]>;
  recognize(image: ImageSource, options?: RecognizeCallOptions): Promise<RecognitionOutcome>;
  async recognize(images: ImageSource | ImageSource[], options: RecognizeCallOptions = {}): Promise<RecognitionOutcome | RecognitionOutcome[]> {
    if (!Array.isArray(images)) return (await this.recognizeAll([images], options))[0]!;
    return this.recognizeAll(images, options);
  }

  private async recognizeAll(images: ImageSource[], { onProgress, signal }: RecognizeCallOptions): Promise<RecognitionOutcome[]> {
    if (this.terminated) throw new InvalidArgumentError('recognize: this recognizer was terminated');
    const out: RecognitionOutcome[] = [];
    for (let s = 0; s < images.length; s += CHUNK) {
      signal?.throwIfAborted();
      const part = images.slice(s, s + CHUNK);
      out.push(...(await recognizeChunk(part, toInput, (ready) => this.core.recognizeBatch(ready))));
      onProgress?.({ done: out.length, total: images.length });
    }
    return out;
  }

  terminate(): Promise<void> {
    if (!this.terminated) this.core.dispose();
    this.terminated = true;
    return Promise.resolve();
  }
}

/** An LMDB folder (data.mdb) or a webstr shard folder on disk, for `evaluate`. */
export async function openDataset(path: string): Promise<EvalDataset & { close(): Promise<void> }> {
  const o = await openDatasetPath(path);
  return { name: o.name, count: o.dataset.count, samples: () => o.dataset.samples(), sample: (i) => o.dataset.sample(i), close: () => o.close() };
}
