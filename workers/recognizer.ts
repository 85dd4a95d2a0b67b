/**
 * The recognizer worker: a Recognizer behind comlink. Like every worker it exposes one object (the runtime
 * calls of runtime_api.ts spread in) whose type, `RecognizerApi`, is the protocol; recognizer_api.ts holds
 * the data types that cross it.
 */
import * as Comlink from 'comlink';
import { tf } from '../src/runtime/tf.ts';
import { WebstrError } from '../src/runtime/errors.ts';
import { simdFor } from '../src/ops/simd/simd.ts';
import { bitmapToRgba, decodeBrowser } from '../src/image/decode_browser.ts';
import { preprocess, preprocessPixels } from '../src/image/preprocess.ts';
import { jpegToInput, setJpegInputEnabled } from '../src/image/jpeg_input.ts';
import { CompiledModel } from '../src/models/model.ts';
import { Recognizer, type ImageInput, type Recognition, type RecognitionOutcome, type RecognizeOptions } from '../src/recognize/recognizer.ts';
import { toDevice } from '../src/models/params.ts';
import { saveWeights, type WebstrMetadata } from '../src/weights/format.ts';
import { deleteStoredModel, importStoredModel, inspectModelFile, listStoredModels, loadModelSource, toHostWeights } from '../src/recognize/load.ts';
import type { ModelFit, StoredModel } from '../src/recognize/model_source.ts';
import type { CreateOptions, RecognizerInfo } from './recognizer_api.ts';
import { APP_ROOT, runtimeApi, startWorkerEngine } from './runtime_api.ts';
import { setFlags } from '../src/runtime/flags.ts';

let recognizer: Recognizer | null = null;
let meta: WebstrMetadata | null = null;

function need(): Recognizer {
  if (recognizer === null) throw new WebstrError('the recognizer has no model yet: call create() first');
  return recognizer;
}

const api = {
  ...runtimeApi,
  /** Converts a dropped model file (`.onnx` as `preset`; `.pth` as `preset`, or with '' as the DTRB model
   *  the file describes) and keeps it in IndexedDB under `indexeddb://webstr/<preset or model name>/<file name>`;
   *  named errors for corrupt or unsupported files. */
  importModel(file: Blob, fileName: string, preset: string): Promise<StoredModel> {
    return importStoredModel([new File([file], fileName)], preset);
  },
  /** Which presets a model file fits and, for a `.pth`, the model read from it (the import form's choices). */
  async inspectModel(file: Blob, fileName: string): Promise<ModelFit> {
    return inspectModelFile(new Uint8Array(await file.arrayBuffer()), fileName);
  },
  /** The webstr models in IndexedDB, by key. */
  listModels: listStoredModels,
  deleteModel: deleteStoredModel,
  /** Starts the backend and builds the model. `onNotice` (a Comlink.proxy) hears of a backend fallback, once. */
  async create(options: CreateOptions, onNotice?: (message: string) => void): Promise<RecognizerInfo> {
    if (options.wasmThreads !== undefined) setFlags({ wasmThreads: options.wasmThreads });
    const { report: capabilities, init } = await startWorkerEngine(options.backend);
    const w = await loadModelSource(options.model, { appRoot: APP_ROOT });
    const host = await toHostWeights(w);
    recognizer?.dispose();
    recognizer = Recognizer.create(host, {
      decoder: (b) => decodeBrowser(b),
      bitmapToPixels: bitmapToRgba,
      maxBatch: options.maxBatch,
      init,
      onNotice: onNotice === undefined ? undefined : (m) => void onNotice(m),
      allow: options.allow ?? null,
    });
    meta = w.meta;
    return { capabilities, preset: w.meta.preset, config: w.meta.config, charset: w.meta.charset.name, provenance: w.meta.provenance };
  },
  /** Restricts decoding to an allowed-character set (src/text/allow.ts: a set name or the characters);
   *  null lifts it. An InvalidArgumentError when it allows none of the model's characters. */
  setAllowed(spec: string | null): void {
    need().setAllowed(spec);
  },
  /** `{rectified: true}`: also return the image after the model's transform (TPS / GA-SPIN). */
  recognize(input: ImageInput, options?: RecognizeOptions): Promise<Recognition> {
    return need().recognize(input, options);
  },
  async recognizeBatch(inputs: ImageInput[], options?: RecognizeOptions): Promise<RecognitionOutcome[]> {
    const out = await need().recognizeBatch(inputs, options);
    // Rectified pixels move to the page instead of being copied.
    const buffers = out.flatMap((o) => (o.ok && o.rectified !== undefined && o.rectified.data.buffer instanceof ArrayBuffer ? [o.rectified.data.buffer] : []));
    return buffers.length > 0 ? Comlink.transfer(out, [...new Set(buffers)]) : out;
  },
  /** Saves the loaded weights through tf.io (e.g. 'indexeddb://crnn-mv3-en'). */
  async saveModel(url: string): Promise<void> {
    const r = need();
    if (meta === null) throw new WebstrError('no model metadata');
    const params = toDevice(r.weights.tensors);
    try {
      await saveWeights(url, params, meta);
    } finally {
      tf.dispose([...params.values()]);
    }
  },
  /** Raw probabilities for one preprocessed input [1, H, W, C] (parity checks). */
  async predictRaw(input: { data: Float32Array; shape: number[] }): Promise<{ data: Float32Array; shape: number[] }> {
    const r = need();
    const params = toDevice(r.weights.tensors);
    const model = new CompiledModel(r.config, params);
    tf.dispose([...params.values()]);
    const x = tf.tensor(input.data, input.shape);
    const y = model.predict(x);
    const data = (await y.data()) as Float32Array;
    const out = { data, shape: y.shape };
    tf.dispose([x, y]);
    model.dispose();
    return Comlink.transfer(out, [data.buffer]);
  },
  /** `simd`: our wasm SIMD kernels (src/ops/simd) run on this backend. */
  memory(): { numTensors: number; backend: string; simd: boolean } {
    return { numTensors: tf.memory().numTensors, backend: tf.getBackend(), simd: simdFor(tf.backend(), tf.getBackend()) !== null };
  },
  /** Perf hook: JPEG bytes straight to the model's input (src/image/jpeg_input.ts, the default) or not. */
  setJpegInput(on: boolean): void {
    setJpegInputEnabled(on);
  },
  /** Perf hook: the one-pass JPEG → input path alone over `inputs`, each input held until the round ends, ms per
   *  image per round (its decode and preprocess split, and the wall time): copied into a new array per image
   *  (`copy`), or made a tensor straight from the decoder's memory (`tensor`, what recognizeBatch does on wasm). */
  jpegInputTiming(inputs: Uint8Array[], into: 'copy' | 'tensor', rounds = 2): { decode: number; preprocess: number; wall: number }[] {
    const p = need().config.input;
    const out: { decode: number; preprocess: number; wall: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const held: unknown[] = [];
      let [decode, preprocess] = [0, 0];
      const t0 = performance.now();
      for (const b of inputs) {
        const x = into === 'copy' ? jpegToInput(b, p) : jpegToInput(b, p, undefined, (view, shape) => tf.tensor4d(view, shape));
        if (x === null) continue;
        decode += x.decodeMs;
        preprocess += x.preprocessMs;
        held.push(x.value);
      }
      const n = inputs.length;
      out.push({ decode: decode / n, preprocess: preprocess / n, wall: (performance.now() - t0) / n });
      tf.dispose(held.filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    }
    return out;
  },
  /** Perf hook: this worker's decoder over `inputs`, `window` at a time (1 = in turn), ms per image per round. */
  async decodeTiming(inputs: Uint8Array[], window: number, rounds = 2): Promise<number[]> {
    const out: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let i = 0; i < inputs.length; i += window) await Promise.all(inputs.slice(i, i + window).map((b) => decodeBrowser(b)));
      out.push((performance.now() - t0) / inputs.length);
    }
    return out;
  },
  /** Perf hook: the model's preprocessing over `inputs` decoded first, ms per image per round: on the host
   *  alone (`pixels`), then with the input tensor made and freed (`tensor`, what recognizeBatch does). */
  async preprocessTiming(inputs: Uint8Array[], rounds = 2): Promise<{ pixels: number[]; tensor: number[] }> {
    const p = need().config.input;
    const px = await Promise.all(inputs.map((b) => decodeBrowser(b)));
    const out = { pixels: [] as number[], tensor: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      for (const im of px) preprocessPixels(im, p);
      out.pixels.push((performance.now() - t0) / px.length);
      t0 = performance.now();
      for (const im of px) preprocess(im, p).dispose();
      out.tensor.push((performance.now() - t0) / px.length);
    }
    return out;
  },
  dispose(): void {
    recognizer?.dispose();
    recognizer = null;
  },
};

export type RecognizerApi = typeof api;
Comlink.expose(api);
