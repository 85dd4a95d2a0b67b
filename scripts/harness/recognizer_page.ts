/**
 * Test/perf harness page (built by scripts/lib/recognizer_harness.ts, not one of the product pages):
 * starts the recognizer worker and exposes plain-data calls on `window.webstrHarness` for Playwright.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import type { RecognizerApi } from '../../workers/recognizer.ts';
import { WorkerClient } from '../../src/ui/worker_client.ts';
import { decodeBrowser, setJpegYuvEnabled } from '../../src/image/decode_browser.ts';
import { decodeViaImageDecoder } from '../../src/image/jpeg_yuv.ts';
import { decodeJpegWasm, loadJpegWasm, setJpegWasmEnabled } from '../../src/image/jpeg_wasm.ts';
import type { RgbaImage } from '../../src/image/types.ts';
import { preprocessPixels } from '../../src/image/preprocess.ts';
import { getPreset } from '../../src/models/presets.ts';
import { getCharset } from '../../src/text/charset.ts';
import { CtcCodec } from '../../src/text/ctc.ts';

// A dead worker rejects the pending call with WorkerCrashedError instead of hanging the spec.
const api = new WorkerClient<RecognizerApi>('recognizer', (name) => new Worker(new URL('../../workers/recognizer.ts', import.meta.url), { type: 'module', name })).api;

async function errorName<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const e = err as Error;
    throw new Error(`${e.name}: ${e.message}`);
  }
}

let ortSession: ort.InferenceSession | null = null;

/** Crops kept in the page under a name (`stash`), so timed calls need not ship them from Playwright each time:
 *  serialising ~200 crops as number arrays kept the driver and the browser busy on the other core through the
 *  timed pass that followed. */
const stashed = new Map<string, Uint8Array[]>();

/** The crops themselves, or the stashed set of that name (fresh copies either way: each call may hand them over). */
function cropsOf(images: number[][] | string): Uint8Array[] {
  if (typeof images !== 'string') return images.map((b) => Uint8Array.from(b));
  const got = stashed.get(images);
  if (got === undefined) throw new Error(`no crops stashed as '${images}'`);
  return got.map((b) => b.slice());
}

const harness = {
  /** Keeps `images` in the page as `key` (see cropsOf). */
  stash(key: string, images: number[][]): number {
    stashed.set(key, images.map((b) => Uint8Array.from(b)));
    return images.length;
  },
  /**
   * Each image through decodeBrowser both ways (our wasm JPEG decoder, else ImageDecoder + libjpeg's
   * arithmetic; and createImageBitmap with a canvas read-back): how many took a fast path (`wasm` of them
   * our decoder), how many differ (and the largest |Δ|), and errors by name where both fail alike.
   */
  async decodeCompare(images: number[][]): Promise<{ fast: number; wasm: number; differ: number; maxDiff: number; errors: string[]; mismatchedErrors: number }> {
    let fast = 0;
    let wasm = 0;
    let differ = 0;
    let maxDiff = 0;
    let mismatchedErrors = 0;
    const errors: string[] = [];
    await loadJpegWasm();
    for (const arr of images) {
      const bytes = Uint8Array.from(arr);
      let ours: RgbaImage | null = null;
      try {
        ours = decodeJpegWasm(bytes, 4_000_000);
      } catch {
        ours = null;
      }
      const fastPath = ours ?? (await decodeViaImageDecoder(bytes, bytes[0] === 0x89 ? 'image/png' : 'image/jpeg').catch(() => null));
      if (ours !== null) wasm++;
      if (fastPath !== null) fast++;
      const got: (RgbaImage | string)[] = [];
      for (const on of [true, false]) {
        setJpegYuvEnabled(on);
        setJpegWasmEnabled(on);
        got.push(await decodeBrowser(bytes).catch((e: Error) => e.name));
      }
      setJpegYuvEnabled(true);
      setJpegWasmEnabled(true);
      const [a, b] = got as [(typeof got)[0], (typeof got)[0]];
      if (typeof a === 'string' || typeof b === 'string') {
        if (a !== b) mismatchedErrors++;
        else errors.push(a as string);
        continue;
      }
      let m = a.width === b.width && a.height === b.height ? 0 : 255;
      for (let i = 0; m < 255 && i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
      if (m > 0) differ++;
      maxDiff = Math.max(maxDiff, m);
    }
    return { fast, wasm, differ, maxDiff, errors, mismatchedErrors };
  },
  /**
   * ms per image of decodeBrowser over the images, in turn, three ways (alternated, twice each): our wasm
   * decoder first (the default), ImageDecoder first (wasm off), createImageBitmap only (both off).
   */
  async decodeTiming(images: number[][]): Promise<{ wasm: number[]; imageDecoder: number[]; bitmap: number[] }> {
    const inputs = images.map((b) => Uint8Array.from(b));
    const res = { wasm: [] as number[], imageDecoder: [] as number[], bitmap: [] as number[] };
    await loadJpegWasm();
    for (let round = 0; round < 2; round++) {
      for (const mode of ['wasm', 'imageDecoder', 'bitmap'] as const) {
        setJpegWasmEnabled(mode === 'wasm');
        setJpegYuvEnabled(mode !== 'bitmap');
        const t0 = performance.now();
        for (const b of inputs) await decodeBrowser(b);
        res[mode].push((performance.now() - t0) / inputs.length);
      }
    }
    setJpegWasmEnabled(true);
    setJpegYuvEnabled(true);
    return res;
  },
  /**
   * onnxruntime-web (wasm EP, one thread, on this page's thread) over encoded crops of crnn-mv3-en:
   * decode, the same preprocessing, the model, greedy CTC (bytes → text, as the worker's column).
   */
  async ortRecognize(onnxUrl: string, images: number[][] | string): Promise<{ texts: string[]; ms: number; runMs: number; decodeMs: number }> {
    if (ortSession === null) {
      ort.env.wasm.numThreads = 1;
      const bytes = new Uint8Array(await (await fetch(onnxUrl)).arrayBuffer());
      ortSession = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    }
    const session = ortSession;
    const config = getPreset('crnn-mv3-en');
    const codec = new CtcCodec(getCharset(config.charset));
    const inputs = cropsOf(images);
    const texts: string[] = [];
    // All images decoded and laid out first, then the model on each: as the worker does (decode windows,
    // then the model), and without the interleaving that made the page's decodes 5× slower between runs.
    const t0 = performance.now();
    const ready: { nchw: Float32Array; dims: number[] }[] = [];
    for (const bytes of inputs) {
      const { data, shape } = preprocessPixels(await decodeBrowser(bytes), config.input);
      const [, h, w, c] = shape;
      const nchw = new Float32Array(data.length);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[ch * h * w + y * w + x] = data[(y * w + x) * c + ch]!;
      ready.push({ nchw, dims: [1, c, h, w] });
    }
    const decodeMs = performance.now() - t0;
    let runMs = 0;
    for (const { nchw, dims } of ready) {
      const tr = performance.now();
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', nchw, dims) });
      runMs += performance.now() - tr;
      const p = out[session.outputNames[0]!]!;
      texts.push(codec.decodeGreedy(p.data as Float32Array, p.dims[1]!).text);
    }
    return { texts, ms: performance.now() - t0, runMs, decodeMs };
  },
  /** Loads the ONNX served at `onnxUrl` as crnn-mv3-en on `backend` (tfjs-wasm threaded with `wasmThreads`:
   *  the worker's first start only); returns the chosen backend (and its thread count past 1). */
  async create(backend: string, onnxUrl: string, wasmThreads = false): Promise<string> {
    const bytes = await (await fetch(onnxUrl)).arrayBuffer();
    const info = await errorName(api.create({ backend, wasmThreads, model: { kind: 'bytes', bytes, format: 'onnx', preset: 'crnn-mv3-en', source: 'model.onnx' } }));
    const t = info.capabilities.wasm.threads;
    return info.capabilities.backend + (t !== null && t > 1 ? ` ${t} threads` : '');
  },
  /** Loads a webstr weight set from a URL (`model.json`) or `indexeddb://key`; returns the backend. */
  async createFrom(backend: string, source: { kind: 'url'; url: string } | { kind: 'indexeddb'; key: string }): Promise<string> {
    const info = await errorName(api.create({ backend, model: source }));
    return `${info.capabilities.backend}:${info.preset}:${info.provenance.source}`;
  },
  saveModel(url: string): Promise<void> {
    return errorName(api.saveModel(url));
  },
  async predictRaw(data: number[], shape: number[]): Promise<{ data: number[]; shape: number[] }> {
    const r = await errorName(api.predictRaw({ data: Float32Array.from(data), shape }));
    return { data: Array.from(r.data), shape: r.shape };
  },
  /** Recognizes encoded images (byte arrays); returns texts (or error names) and the elapsed ms. */
  async recognize(images: number[][] | string, repeat = 1): Promise<{ texts: string[]; ms: number; backends: string[]; notices: string[]; stages: Record<string, number> }> {
    // One set of copies per repeat, made before the clock starts: each set is handed over to the worker (transferred,
    // as an app hands over bytes it does not keep; cloning 200 crops' arrays instead costs Chromium 0.07–0.33 ms per
    // word of structured-clone time, docs/performance.md).
    const sets = Array.from({ length: repeat }, () => cropsOf(images));
    let texts: string[] = [];
    const backends: string[] = [];
    const notices: string[] = [];
    // The worker's own split, ms summed over images (decode is the wall time of a decode window per image).
    const stages = { decodeMs: 0, preprocessMs: 0, inferMs: 0, postprocessMs: 0 };
    const t0 = performance.now();
    for (let k = 0; k < repeat; k++) {
      const inputs = sets[k]!;
      const out = await errorName(api.recognizeBatch(Comlink.transfer(inputs, inputs.map((b) => b.buffer))));
      texts = out.map((o) => (o.ok ? o.text : `!${o.error.name}`));
      for (const o of out) {
        if (!o.ok) continue;
        backends.push(o.backend);
        if (o.notice !== undefined) notices.push(o.notice);
        for (const key of Object.keys(stages) as (keyof typeof stages)[]) stages[key] += o.timings[key];
      }
    }
    return { texts, ms: performance.now() - t0, backends, notices, stages };
  },
  /** Recognizes encoded images asking for the rectified image; returns text and the rectified size + mean byte. */
  async recognizeRectified(images: number[][]): Promise<{ text: string; width: number; height: number; mean: number }[]> {
    const out = await errorName(api.recognizeBatch(images.map((b) => Uint8Array.from(b)), { rectified: true }));
    return out.map((o) => {
      if (!o.ok) return { text: `!${o.error.name}`, width: 0, height: 0, mean: 0 };
      const r = o.rectified;
      let sum = 0;
      for (const v of r?.data ?? []) sum += v;
      const mean = r === undefined ? 0 : sum / r.data.length;
      return { text: o.text, width: r?.width ?? 0, height: r?.height ?? 0, mean };
    });
  },
  /** Destroys the worker's WebGPU device, as a driver reset would. */
  async loseDevice(): Promise<void> {
    await api.simulateDeviceLoss();
  },
  /** The worker's decoder alone: in turn (window 1) and `window` at a time (as the recognizer), ms per image. */
  async workerDecodeTiming(images: number[][], window: number): Promise<{ inTurn: number[]; windowed: number[] }> {
    const inputs = images.map((b) => Uint8Array.from(b));
    return { inTurn: await api.decodeTiming(inputs, 1), windowed: await api.decodeTiming(inputs, window) };
  },
  /** The worker's preprocessing alone over decoded crops (host pixels, then with the tensor), ms per image. */
  async workerPreprocessTiming(images: number[][]): Promise<{ pixels: number[]; tensor: number[] }> {
    return api.preprocessTiming(images.map((b) => Uint8Array.from(b)));
  },
  /** The worker's one-pass JPEG → input path alone (into new arrays or tensors), ms per image per round. */
  async workerJpegInputTiming(images: number[][], into: 'copy' | 'tensor'): Promise<{ decode: number; preprocess: number; wall: number }[]> {
    return api.jpegInputTiming(images.map((b) => Uint8Array.from(b)), into);
  },
  /** The worker's one-pass JPEG → model input path on (its default) or off. */
  setJpegInput(on: boolean): Promise<void> {
    return api.setJpegInput(on);
  },
  memory(): Promise<{ numTensors: number; backend: string; simd: boolean }> {
    return api.memory();
  },
};

(window as unknown as { webstrHarness: typeof harness }).webstrHarness = harness;
document.body.dataset.harness = 'ready';
