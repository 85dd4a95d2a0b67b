/**
 * Test/perf harness page (built by scripts/lib/recognizer_harness.ts, not one of the product pages):
 * starts the recognizer worker and exposes plain-data calls on `window.webstrHarness` for Playwright.
 */
import * as ort from 'onnxruntime-web';
import type { RecognizerApi } from '../../workers/recognizer.ts';
import { WorkerClient } from '../../src/ui/worker_client.ts';
import { decodeBrowser } from '../../src/image/decode_browser.ts';
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

const harness = {
  /**
   * onnxruntime-web (wasm EP, one thread, on this page's thread) over encoded crops of crnn-mv3-en:
   * decode, the same preprocessing, the model, greedy CTC (bytes → text, as the worker's column).
   */
  async ortRecognize(onnxUrl: string, images: number[][]): Promise<{ texts: string[]; ms: number }> {
    if (ortSession === null) {
      ort.env.wasm.numThreads = 1;
      const bytes = new Uint8Array(await (await fetch(onnxUrl)).arrayBuffer());
      ortSession = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    }
    const session = ortSession;
    const config = getPreset('crnn-mv3-en');
    const codec = new CtcCodec(getCharset(config.charset));
    const inputs = images.map((b) => Uint8Array.from(b));
    const texts: string[] = [];
    const t0 = performance.now();
    for (const bytes of inputs) {
      const { data, shape } = preprocessPixels(await decodeBrowser(bytes), config.input);
      const [, h, w, c] = shape;
      const nchw = new Float32Array(data.length);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[ch * h * w + y * w + x] = data[(y * w + x) * c + ch]!;
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', nchw, [1, c, h, w]) });
      const p = out[session.outputNames[0]!]!;
      texts.push(codec.decodeGreedy(p.data as Float32Array, p.dims[1]!).text);
    }
    return { texts, ms: performance.now() - t0 };
  },
  /** Loads the ONNX served at `onnxUrl` as crnn-mv3-en on `backend`; returns the chosen backend. */
  async create(backend: string, onnxUrl: string): Promise<string> {
    const bytes = await (await fetch(onnxUrl)).arrayBuffer();
    const info = await errorName(api.create({ backend, model: { kind: 'bytes', bytes, format: 'onnx', preset: 'crnn-mv3-en', source: 'model.onnx' } }));
    return info.capabilities.backend;
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
  async recognize(images: number[][], repeat = 1): Promise<{ texts: string[]; ms: number; backends: string[]; notices: string[] }> {
    const inputs = images.map((b) => Uint8Array.from(b));
    let texts: string[] = [];
    const backends: string[] = [];
    const notices: string[] = [];
    const t0 = performance.now();
    for (let k = 0; k < repeat; k++) {
      const out = await errorName(api.recognizeBatch(inputs));
      texts = out.map((o) => (o.ok ? o.text : `!${o.error.name}`));
      for (const o of out) {
        if (!o.ok) continue;
        backends.push(o.backend);
        if (o.notice !== undefined) notices.push(o.notice);
      }
    }
    return { texts, ms: performance.now() - t0, backends, notices };
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
  memory(): Promise<{ numTensors: number; backend: string; simd: boolean }> {
    return api.memory();
  },
};

(window as unknown as { webstrHarness: typeof harness }).webstrHarness = harness;
document.body.dataset.harness = 'ready';
