/**
 * The bench worker: imports models into IndexedDB (tf.io `indexeddb://webstr/<preset>/<file name>`, as the demo),
 * and evaluates a model on datasets with the shared core (src/eval/runner.ts) and the recognizer
 * pipeline (src/recognize/recognizer.ts): shards from IndexedDB, an LMDB File read in place through
 * File.slice, or shards over HTTP → decode + preprocess → model → metrics. Protocol in bench_api.ts.
 */
import * as Comlink from 'comlink';
import { InvalidArgumentError, WebstrError, errorInfo } from '../src/runtime/errors.ts';
import { bitmapToRgba, decodeBrowser } from '../src/image/decode_browser.ts';
import { readImageHeader } from '../src/image/header.ts';
import { DEFAULT_LIMITS, decodeSize } from '../src/image/errors.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { blobByteSource, cachedByteSource } from '../src/runtime/byte_source.ts';
import { openDtrbDataset, type DtrbDataset } from '../src/data/dtrb.ts';
import { openShardUrl } from '../src/data/sharded.ts';
import { DataStore } from '../src/data/store.ts';
import { evaluate, parseShard, type BatchNote, type EvalDataset, type RecognizeBatch, type Recognition } from '../src/eval/runner.ts';
import { recoveryOptions } from '../src/eval/crash_journal.ts';
import './liveness.ts';
import { buildReport } from '../src/eval/report.ts';
import { APP_ROOT, runtimeApi, startWorkerEngine } from './runtime_api.ts';
import { deleteStoredModel, importStoredModel, inspectModelFile, listStoredModels, loadModelSource, toHostWeights } from '../src/recognize/load.ts';
import { IDB, SHIPPED, type ModelFit, type ModelSource, type StoredModel } from '../src/recognize/model_source.ts';
import type { BenchDataSource, BenchProgress, BenchRunRequest, BenchRunResult, BenchStages } from './bench_api.ts';
import type { RgbaImage } from '../src/image/types.ts';
import { setJpegInputEnabled } from '../src/image/jpeg_input.ts';
import { inputWidthKey } from '../src/eval/width_key.ts';
/** Decoded pixels one bench batch may hold when decoded all at once (48 M: 192 MB of RGBA). */
const PARALLEL_DECODE_PIXELS = 48_000_000;

const isJpeg = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0xff && b[1] === 0xd8;

/** Pixels the batch's images will decode to, from their headers (a bad header counts 0: it fails at decode). */
function headerPixels(images: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of images) {
    try {
      const h = readImageHeader(b);
      const d = decodeSize(h.width, h.height, DEFAULT_LIMITS);
      n += d.width * d.height;
    } catch {
      // counted when it fails
    }
  }
  return n;
}
const MODEL_PREFIX = `${IDB}webstr/`;
let current: AbortController | undefined;
let cached: { key: string; recognizer: Recognizer; preset: string } | undefined;
let storePromise: Promise<DataStore> | undefined;
const store = (): Promise<DataStore> => (storePromise ??= DataStore.open());

function modelKey(m: ModelSource): string | undefined {
  return m.kind === 'indexeddb' ? m.key : m.kind === 'url' ? m.url : m.kind === 'shipped' ? `${SHIPPED}${m.name}` : undefined;
}

async function recognizerFor(req: BenchRunRequest): Promise<{ recognizer: Recognizer; preset: string; backend: string }> {
  const { report: caps, init } = await startWorkerEngine(req.backend);
  const key = modelKey(req.model);
  const cacheKey = key === undefined ? undefined : `${caps.backend}|${key}`;
  if (cached !== undefined && cacheKey !== undefined && cached.key === cacheKey) {
    cached.recognizer.setAllowed(req.allow ?? null);
    return { ...cached, backend: caps.backend };
  }
  const w = await loadModelSource(req.model, { appRoot: APP_ROOT });
  const host = await toHostWeights(w);
  cached?.recognizer.dispose();
  cached = undefined;
  const recognizer = Recognizer.create(host, {
    decoder: (b) => decodeBrowser(b),
    bitmapToPixels: bitmapToRgba,
    // Width-ordered windows fill same-width batches: 64 per model call costs ~3–8% less CPU than 32 (same texts).
    maxBatch: 64,
    // Batches come decoded (held by the caller anyway): the same bound as the parallel decode.
    maxBatchPixels: PARALLEL_DECODE_PIXELS,
    init,
    allow: req.allow ?? null,
  });
  if (cacheKey !== undefined) cached = { key: cacheKey, recognizer, preset: w.meta.preset };
  return { recognizer, preset: w.meta.preset, backend: caps.backend };
}

async function openSource(src: BenchDataSource): Promise<DtrbDataset> {
  switch (src.kind) {
    case 'indexeddb':
      return (await store()).open(src.id, { cacheShards: 2 });
    case 'file':
      // Read in place (File.slice through a block cache), never whole and never copied into IndexedDB.
      return openDtrbDataset(cachedByteSource(blobByteSource(src.file), { blockSize: 2 * 1024 * 1024, maxBlocks: 8, readahead: 2 }));
    case 'url':
      return openShardUrl(new URL(src.url, self.location.href).href);
  }
}

/** The e2e crash hook: this worker dies as a crashed one would, and the batch never returns. */
function testCrash(how: 'close' | 'throw'): Promise<never> {
  if (how === 'close') self.close();
  else {
    setTimeout(() => {
      throw new Error('test hook: the bench worker crashed');
    });
  }
  return new Promise<never>(() => undefined);
}

const api = {
  ...runtimeApi,

  /** Imports a model (an .onnx as `preset`, or model.json + weights.bin) and stores it in IndexedDB.
   *  Call `init()` first: the weights are built on the active backend. */
  importModel(files: File[], preset: string, name?: string): Promise<StoredModel> {
    return importStoredModel(files, preset, name);
  },

  /** Which presets a model file fits (and, for a `.pth`, the DTRB model read from it): the form's choices. */
  async inspectModel(file: File): Promise<ModelFit> {
    return inspectModelFile(new Uint8Array(await file.arrayBuffer()), file.name);
  },

  listModels(): Promise<StoredModel[]> {
    return listStoredModels();
  },

  async deleteModel(key: string): Promise<void> {
    if (!key.startsWith(MODEL_PREFIX)) throw new InvalidArgumentError(`not a stored bench model: ${key}`);
    if (cached?.key.endsWith(`|${key}`) === true) {
      cached.recognizer.dispose();
      cached = undefined;
    }
    await deleteStoredModel(key);
  },

  /** Evaluates; progress through `onProgress` (a Comlink.proxy), each batch (before and after) through
   *  `onBatch`, which a pool keeps to restart this worker after a crash. Throws AbortError when cancelled. */
  async run(req: BenchRunRequest, onProgress?: (p: BenchProgress) => void, onBatch?: (b: BatchNote) => void): Promise<BenchRunResult> {
    if (current !== undefined) throw new WebstrError('an evaluation is already running in this worker');
    if (req.datasets.length === 0) throw new InvalidArgumentError('choose at least one dataset');
    const ctl = new AbortController();
    current = ctl;
    try {
      const startedAt = new Date().toISOString();
      const t0 = performance.now();
      const { recognizer, preset, backend } = await recognizerFor(req);
      const datasets: EvalDataset[] = [];
      for (const src of req.datasets) {
        const ds = await openSource(src);
        datasets.push({ name: src.name, count: ds.count, samples: () => ds.samples(), sample: (i) => ds.sample(i) });
      }
      const stages: BenchStages = { decodeMs: 0, preprocessMs: 0, modelMs: 0, ctcMs: 0, evalMs: 0 };
      const parallelDecode = req.parallelDecode ?? true;
      const jpegInput = req.jpegInput ?? true;
      setJpegInputEnabled(jpegInput);
      let crashNow = false;
      const recognize: RecognizeBatch = async (images) => {
        if (crashNow) return testCrash(req.testCrash?.how ?? 'close');
        const result: Recognition[] = new Array<Recognition>(images.length);
        let inputs: (Uint8Array | RgbaImage)[] = images;
        let at = images.map((_, i) => i);
        // Parallel decoding holds every image's pixels at once: only while the headers promise a bounded
        // total; past it the recognizer decodes one by one under its own maxBatchPixels bound.
        if (parallelDecode && headerPixels(images) <= PARALLEL_DECODE_PIXELS) {
          // Every image of the batch is handed to the decoder at once: what the browser decodes (ImageDecoder,
          // createImageBitmap) decodes off this thread, in parallel and during the previous batch's model when
          // batches are in flight; its time is not a stage of this thread but part of the rest of `evalMs`.
          // JPEG bytes pass as they are (with jpegInput): the recognizer makes each the model's input in one
          // pass in the wasm decoder, on this thread, with no RGBA in between.
          const px = await Promise.allSettled(images.map((b) => (jpegInput && isJpeg(b) ? Promise.resolve(b) : decodeBrowser(b))));
          inputs = [];
          at = [];
          px.forEach((o, i) => {
            if (o.status === 'fulfilled') {
              inputs.push(o.value);
              at.push(i);
            } else {
              const e = errorInfo(o.reason);
              result[i] = { error: `${e.name}: ${e.message}` };
            }
          });
        }
        const out = inputs.length === 0 ? [] : await recognizer.recognizeBatch(inputs);
        out.forEach((o, k) => {
          if (!o.ok) {
            result[at[k]!] = { error: `${o.error.name}: ${o.error.message}` };
            return;
          }
          stages.decodeMs += o.timings.decodeMs;
          stages.preprocessMs += o.timings.preprocessMs;
          stages.modelMs += o.timings.inferMs;
          stages.ctcMs += o.timings.postprocessMs;
          result[at[k]!] = { text: o.text, confidence: o.confidence };
        });
        return result;
      };
      let last = 0;
      const batchSize = req.batchSize ?? 64;
      const windowSize = req.window ?? 1024;
      const tEval = performance.now();
      const r = await evaluate(datasets, recognize, {
        inFlight: req.inFlight ?? 2,
        // Windows of samples ordered by model input width: fuller same-width batches for the model.
        ...(windowSize > 0 ? { window: Math.max(windowSize, batchSize), groupKey: inputWidthKey(recognizer.config.input) } : {}),
        batchSize,
        limit: req.limit,
        shard: req.shard === undefined || req.shard === '' ? undefined : parseShard(req.shard),
        filtering: req.filtering ?? 'off',
        keepFailures: req.keepFailures ?? 200,
        keepFailureImages: true,
        keepPredictions: req.keepPredictions,
        signal: ctl.signal,
        ...recoveryOptions(req.known, req.isolate),
        onBatch: (b) => {
          void onBatch?.(b);
          const t = req.testCrash;
          if (t !== undefined && b.results === undefined && b.dataset === t.dataset && b.indices.includes(t.index)) crashNow = true;
        },
        onProgress: (p) => {
          const t = performance.now();
          if (t - last < 200 && p.doneAll < p.totalAll) return;
          last = t;
          void onProgress?.(p);
        },
      });
      stages.evalMs = performance.now() - tEval;
      if (modelKey(req.model) === undefined) recognizer.dispose();
      const report = buildReport({ model: req.modelLabel, preset, backend, runtime: 'browser', startedAt, seconds: (performance.now() - t0) / 1000 }, r);
      const failureImages = r.failures.map((f) => f.image ?? new Uint8Array());
      return Comlink.transfer({ report, failureImages, stages: [stages], ...(r.predictions !== undefined ? { predictions: r.predictions } : {}) }, failureImages.map((b) => b.buffer as ArrayBuffer));
    } finally {
      current = undefined;
    }
  },

  cancel(): boolean {
    if (current === undefined) return false;
    current.abort(new DOMException('evaluation cancelled', 'AbortError'));
    return true;
  },
};

export type BenchApi = typeof api;
Comlink.expose(api);
