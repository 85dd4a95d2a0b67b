/** The recognizer worker: a Recognizer behind comlink (protocol in recognizer_api.ts). */
import * as Comlink from 'comlink';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../src/runtime/tf.ts';
import { WebstrError } from '../src/runtime/errors.ts';
import { startEngine } from '../src/ops/engine_browser.ts';
import { simdFor } from '../src/ops/simd/simd.ts';
import { bitmapToRgba, decodeBrowser } from '../src/image/decode_browser.ts';
import { CompiledModel } from '../src/models/model.ts';
import { Recognizer, type ImageInput, type RecognizeOptions } from '../src/recognize/recognizer.ts';
import { toDevice } from '../src/models/params.ts';
import { saveWeights, type WebstrMetadata } from '../src/weights/format.ts';
import { deleteStoredModel, importStoredModel, inspectModelFile, listStoredModels, loadModelSource, toHostWeights } from '../src/recognize/load.ts';
import type { ModelFit, StoredModel } from '../src/recognize/model_source.ts';
import { APP_ROOT } from './runtime_api.ts';
import type { CreateOptions, RecognizerInfo, RecognizerWorkerApi } from './recognizer_api.ts';
import './liveness.ts';

let recognizer: Recognizer | null = null;
let meta: WebstrMetadata | null = null;

function need(): Recognizer {
  if (recognizer === null) throw new WebstrError('the recognizer has no model yet: call create() first');
  return recognizer;
}

const api: RecognizerWorkerApi = {
  async init(backend: string) {
    return (await startEngine(backend)).report;
  },
  importModel(file: Blob, fileName: string, preset: string): Promise<StoredModel> {
    return importStoredModel([new File([file], fileName)], preset);
  },
  async inspectModel(file: Blob, fileName: string): Promise<ModelFit> {
    return inspectModelFile(new Uint8Array(await file.arrayBuffer()), fileName);
  },
  listModels: listStoredModels,
  deleteModel: deleteStoredModel,
  async create(options: CreateOptions, onNotice?: (message: string) => void): Promise<RecognizerInfo> {
    const { report: capabilities, init } = await startEngine(options.backend);
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
  /** Restricts decoding to an allowed-character set (src/text/allow.ts); null lifts it. */
  setAllowed(spec: string | null): void {
    need().setAllowed(spec);
  },
  recognize(input: ImageInput, options?: RecognizeOptions) {
    return need().recognize(input, options);
  },
  async recognizeBatch(inputs: ImageInput[], options?: RecognizeOptions) {
    const out = await need().recognizeBatch(inputs, options);
    // Rectified pixels move to the page instead of being copied.
    const buffers = out.flatMap((o) => (o.ok && o.rectified !== undefined && o.rectified.data.buffer instanceof ArrayBuffer ? [o.rectified.data.buffer] : []));
    return buffers.length > 0 ? Comlink.transfer(out, [...new Set(buffers)]) : out;
  },
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
  async predictRaw(input) {
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
  memory() {
    return { numTensors: tf.memory().numTensors, backend: tf.getBackend(), simd: simdFor(tf.backend(), tf.getBackend()) !== null };
  },
  async simulateDeviceLoss(): Promise<void> {
    if (tf.getBackend() !== 'webgpu') throw new WebstrError('simulateDeviceLoss: the webgpu backend is not active');
    const device = (tf.backend() as WebGPUBackend).device;
    device.destroy();
    await device.lost;
  },
  dispose(): void {
    recognizer?.dispose();
    recognizer = null;
  },
};

Comlink.expose(api);
