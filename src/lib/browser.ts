/**
 * webstr for web pages: `createRecognizer` starts a pool of recognizer workers (workers/recognizer.ts,
 * tfjs and the model live there, never on the page's thread) and spreads each `recognize` call over
 * them in batches. Errors keep their names (`err.name`) across the worker boundary; a crop that cannot
 * be read fails alone (`{ ok: false, error }`).
 */
import * as Comlink from 'comlink';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { checkWorkers } from '../eval/pool.ts';
import type { ImageInput } from '../recognize/recognizer.ts';
import type { RecognizerApi } from '../../workers/recognizer.ts';
import { classifyModel, fileNameOf, formatOfName, modelJsonUrl, resolveName, type ModelSource } from '../recognize/model_source.ts';
import { shippedModelFiles } from './shipped_browser.ts';
import { transferables } from './transfer.ts';
import { recognizeChunk, type CreateRecognizerOptions, type RecognitionOutcome, type RecognizeCallOptions, type RecognizerInfo } from './common.ts';

export * from './common.ts';
export { ModelUnavailableError, UnknownModelError, sniffModelBytes } from '../recognize/model_source.ts';
export { MODEL_CACHE, shippedModelFiles } from './shipped_browser.ts';
export { importDataset, listDatasets, openStoredDataset, train, type BrowserTrainOptions, type BrowserTrainResult, type ImportDatasetOptions, type StoredDataset, type IngestProgress, type RecipeSettings, type RunView, type TrainerEvent } from './train_browser.ts';
export { SHIPPED_MODELS, type ShippedModel, type ShippedListing } from '../recognize/registry.ts';
export { WebstrError, InvalidArgumentError, BackendUnavailableError, DeviceLostError } from '../runtime/errors.ts';

/** One image: an encoded file (File, Blob, bytes), decoded pixels (ImageBitmap, ImageData) or a URL to fetch. */
export type ImageSource = File | Blob | ImageBitmap | ImageData | Uint8Array | ArrayBuffer | URL | string;

export interface Recognizer {
  readonly info: RecognizerInfo;
  /** One outcome per image, in order. */
  recognize(images: ImageSource[], options?: RecognizeCallOptions): Promise<RecognitionOutcome[]>;
  recognize(image: ImageSource, options?: RecognizeCallOptions): Promise<RecognitionOutcome>;
  /** Stops the workers; the recognizer cannot be used afterwards. */
  terminate(): Promise<void>;
}

/** Images per message to a worker: big enough for full batches, small enough for smooth progress. */
const CHUNK = 16;

interface PoolWorker {
  worker: Worker;
  api: Comlink.Remote<RecognizerApi>;
}

function spawn(): PoolWorker {
  const worker = new Worker(new URL('../../workers/recognizer.ts', import.meta.url), { type: 'module', name: 'webstr-recognizer' });
  return { worker, api: Comlink.wrap<RecognizerApi>(worker) };
}

/**
 * The model for the workers. A name: the caller's resolver first, then the models shipped with the
 * package (shipped_browser.ts: checked, kept in Cache Storage), then the named errors. An .onnx / .pth
 * URL is fetched here once for all the workers.
 */
async function toSource(options: CreateRecognizerOptions, preset: string): Promise<ModelSource> {
  const c = await classifyModel(options.model, baseUrl(), preset);
  let source: ModelSource;
  if (c.kind !== 'name') source = c;
  else {
    const mine = options.resolveModel === undefined ? null : await options.resolveModel(c.name);
    const base = options.modelBaseUrl === undefined ? undefined : new URL(options.modelBaseUrl, baseUrl());
    const shipped = mine === null ? await shippedModelFiles(c.name, base) : null;
    source = mine ?? (shipped !== null ? { kind: 'files', files: shipped.files } : await resolveName(c.name, undefined, false));
  }
  if (source.kind === 'bytes' && source.preset === undefined) source = { ...source, preset };
  if (source.kind !== 'url') return source;
  const format = formatOfName(source.url);
  if (format === 'webstr') return { ...source, url: modelJsonUrl(source.url) };
  const res = await fetch(source.url);
  if (!res.ok) throw new InvalidArgumentError(`model ${source.url}: HTTP ${res.status}`);
  return { kind: 'bytes', bytes: new Uint8Array(await res.arrayBuffer()), format, preset: source.preset ?? preset, source: fileNameOf(source.url) };
}

/** Where relative URLs point: the page (or, when the library runs inside a worker, that worker's script). */
function baseUrl(): string {
  return typeof document !== 'undefined' ? document.baseURI : globalThis.location.href;
}

function defaultWorkers(backend: string): number {
  if (backend === 'webgpu') return 1;
  return Math.max(1, Math.min(4, Math.floor(navigator.hardwareConcurrency) || 1));
}

/** An image for a worker: URLs fetched here (a worker resolves relative URLs against its own script). */
async function prepare(image: ImageSource): Promise<ImageInput> {
  if (typeof image === 'string' || image instanceof URL) {
    const url = new URL(image, baseUrl());
    const res = await fetch(url);
    if (!res.ok) throw new InvalidArgumentError(`${url.href}: HTTP ${res.status}`);
    return res.blob();
  }
  return image;
}

/** Starts the workers and loads the model in each; resolves when all are ready. */
export async function createRecognizer(options: CreateRecognizerOptions): Promise<Recognizer> {
  const preset = options.preset ?? 'crnn-mv3-en';
  const source = await toSource(options, preset);
  const onNotice = options.onNotice;
  // A comlink proxy crosses to one worker only: one per worker.
  const create = (w: PoolWorker, backend: string) =>
    w.api.create({ model: source, backend, ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}), ...(options.allow !== undefined ? { allow: options.allow } : {}) }, onNotice === undefined ? undefined : Comlink.proxy(onNotice));
  const pool: PoolWorker[] = [spawn()];
  const kill = (): void => pool.forEach((w) => w.worker.terminate());
  try {
    // The first worker settles `auto`; the others start on the backend it chose.
    const first = await create(pool[0]!, options.backend ?? 'auto');
    const backend = first.capabilities.backend;
    const n = options.workers === undefined ? defaultWorkers(backend) : checkWorkers(options.workers);
    while (pool.length < n) pool.push(spawn());
    await Promise.all(pool.slice(1).map((w) => create(w, backend)));
    const info: RecognizerInfo = { backend, reason: first.capabilities.reason, preset: first.preset, workers: pool.length };
    return new PoolRecognizer(pool, info);
  } catch (err) {
    kill();
    throw err;
  }
}

class PoolRecognizer implements Recognizer {
  private terminated = false;

  constructor(
    private readonly pool: PoolWorker[],
    readonly info: RecognizerInfo,
  ) {}

  recognize(images: ImageSource[], options?: RecognizeCallOptions): Promise<RecognitionOutcome[]>;
  recognize(image: ImageSource, options?: RecognizeCallOptions): Promise<RecognitionOutcome>;
  async recognize(images: ImageSource | ImageSource[], options: RecognizeCallOptions = {}): Promise<RecognitionOutcome | RecognitionOutcome[]> {
    if (!Array.isArray(images)) return (await this.recognizeAll([images], options))[0]!;
    return this.recognizeAll(images, options);
  }

  private async recognizeAll(images: ImageSource[], { onProgress, signal, transfer = false }: RecognizeCallOptions): Promise<RecognitionOutcome[]> {
    if (this.terminated) throw new InvalidArgumentError('recognize: this recognizer was terminated');
    signal?.throwIfAborted();
    const out = new Array<RecognitionOutcome>(images.length);
    let next = 0;
    let done = 0;
    const run = async (w: PoolWorker): Promise<void> => {
      while (next < images.length) {
        signal?.throwIfAborted();
        const start = next;
        const end = Math.min(images.length, start + CHUNK);
        next = end;
        const send = (ready: ImageInput[]) => w.api.recognizeBatch(transfer ? Comlink.transfer(ready, transferables(ready)) : ready);
        const got = await recognizeChunk(images.slice(start, end), prepare, send);
        got.forEach((o, k) => (out[start + k] = o));
        done += end - start;
        onProgress?.({ done, total: images.length });
      }
    };
    const work = Promise.all(this.pool.map(run));
    if (signal === undefined) {
      await work;
    } else {
      // Reject as soon as the signal fires; batches in flight finish in their workers.
      await Promise.race([
        work,
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true })),
      ]);
    }
    return out;
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    await Promise.all(this.pool.map((w) => w.api.dispose().catch(() => undefined)));
    for (const w of this.pool) {
      w.api[Comlink.releaseProxy]();
      w.worker.terminate();
    }
  }
}
