/**
 * webstr for Node: the same `createRecognizer` as the browser entry, running in this process on tfjs
 * wasm (or cpu; WebGPU through Dawn when the optional `webgpu` package finds a GPU). Images are decoded
 * with the optional `@napi-rs/canvas`. tfjs has one engine per process: recognizers share its backend.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, errorInfo } from '../runtime/errors.ts';
import { startEngine } from '../ops/engine_node.ts';
import { decodeNode } from '../image/decode_node.ts';
import { DEFAULT_LIMITS, ImageFileError } from '../image/errors.ts';
import type { RgbaImage } from '../image/types.ts';
import { Recognizer as CoreRecognizer, type ImageInput } from '../recognize/recognizer.ts';
import { toHostWeights, weightsFromOnnx, weightsFromPth } from '../recognize/load.ts';
import { loadModelNode } from '../recognize/node_load.ts';
import { sha256Hex, type LoadedWeights } from '../weights/format.ts';
import { openDatasetPath } from '../data/node_shards.ts';
import type { EvalDataset } from '../eval/runner.ts';
import { classifyModel, resolveName, type ModelSpec } from './model_spec.ts';
import type { CreateRecognizerOptions, RecognitionOutcome, RecognizeCallOptions, RecognizerInfo } from './common.ts';

export * from './common.ts';
export { UnknownModelError, sniffModelBytes } from './model_spec.ts';
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

async function loadSpec(spec: ModelSpec, preset: string, resolve: CreateRecognizerOptions['resolveModel']): Promise<LoadedWeights> {
  switch (spec.kind) {
    case 'name':
      return loadSpec(await resolveName(spec.name, resolve), preset, resolve);
    case 'bytes':
      return spec.format === 'onnx' ? weightsFromOnnx(spec.bytes, preset, spec.source) : weightsFromPth(spec.bytes, preset, spec.source, await sha256Hex(spec.bytes));
    case 'url': {
      if (spec.url.startsWith('file:')) return loadModelNode(fileURLToPath(spec.url), preset);
      if (!/^https?:/i.test(spec.url)) return loadModelNode(spec.url, preset);
      if (spec.format === 'webstr') throw new InvalidArgumentError(`model ${spec.url}: in Node a webstr model.json is read from a path or a file: URL`);
      const source = decodeURIComponent(new URL(spec.url).pathname.split('/').pop() ?? 'model');
      return loadSpec({ kind: 'bytes', bytes: await fetchBytes(spec.url), format: spec.format, source }, preset, resolve);
    }
  }
}

/** A path or name: paths (anything with a separator or an extension, or that is not a plain word) load from disk. */
async function loadModel(options: CreateRecognizerOptions, preset: string): Promise<LoadedWeights> {
  const m = options.model;
  if (typeof m === 'string' && !/^(https?|file):/i.test(m)) {
    const plainName = /^[\w.-]+$/.test(m) && !/\.(onnx|pth|pt|json)$/i.test(m);
    if (plainName && options.resolveModel !== undefined) {
      const found = await options.resolveModel(m);
      if (found !== null) return loadSpec(found, preset, options.resolveModel);
    }
    return loadModelNode(m, preset);
  }
  return loadSpec(await classifyModel(m), preset, options.resolveModel);
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

async function toInput(image: ImageSource): Promise<ImageInput> {
  if (typeof image === 'string') return readImage(image);
  if (image instanceof URL) return image.protocol === 'file:' ? readImage(image) : fetchBytes(image.href);
  return image;
}

export async function createRecognizer(options: CreateRecognizerOptions): Promise<Recognizer> {
  const preset = options.preset ?? 'crnn-mv3-en';
  const { report, init } = await startEngine(options.backend ?? 'auto');
  const loaded = await loadModel(options, preset);
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
      const inputs: (ImageInput | RecognitionOutcome)[] = [];
      for (const img of part) {
        try {
          inputs.push(await toInput(img));
        } catch (err) {
          inputs.push({ ok: false, error: errorInfo(err) });
        }
      }
      const isFailure = (x: ImageInput | RecognitionOutcome): x is RecognitionOutcome => typeof x === 'object' && 'ok' in x;
      const ready = inputs.filter((x): x is ImageInput => !isFailure(x));
      const got = await this.core.recognizeBatch(ready);
      let k = 0;
      for (const x of inputs) out.push(isFailure(x) ? x : got[k++]!);
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
