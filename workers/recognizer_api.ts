/**
 * The recognizer worker's typed protocol (comlink). Pages: `wrap<RecognizerWorkerApi>(new Worker(new
 * URL('../../workers/recognizer.ts', import.meta.url), { type: 'module' }))`, then `create(…)` and
 * `recognize(…)`. Inputs are transferred (`Comlink.transfer(blob|bitmap|bytes, [...])`); errors arrive as
 * named errors (`err.name`), per-image failures as `{ ok: false, error: { name, message } }`.
 */
import type { CapabilityReport } from '../src/runtime/backend.ts';
import type { ModelConfig } from '../src/models/config.ts';
import type { ImageInput, Recognition, RecognitionOutcome, RecognizeOptions } from '../src/recognize/recognizer.ts';
import type { Provenance } from '../src/weights/format.ts';
import type { ModelFit, ModelSource, StoredModel } from '../src/recognize/model_source.ts';

export interface CreateOptions {
  model: ModelSource;
  /** 'auto' | 'webgpu' | 'wasm' | 'cpu'. */
  backend: string;
  /** Largest same-width batch per model call (default 16). */
  maxBatch?: number;
  /** Allowed characters at decoding (src/text/allow.ts: a set name or the characters); default all. */
  allow?: string | null;
}

export interface RecognizerInfo {
  capabilities: CapabilityReport;
  preset: string;
  config: ModelConfig;
  charset: string;
  provenance: Provenance;
}

export interface RecognizerWorkerApi {
  /** Starts a backend without a model (pages show the choice and its reason before any model exists). */
  init(backend: string): Promise<CapabilityReport>;
  /** Converts a dropped model file (`.onnx` as `preset`; `.pth` as `preset`, or with '' as the DTRB model
   *  the file describes) and keeps it in IndexedDB under `indexeddb://webstr/<preset or model name>/<file name>`;
   *  named errors for corrupt or unsupported files. */
  importModel(file: Blob, fileName: string, preset: string): Promise<StoredModel>;
  /** Which presets a model file fits and, for a `.pth`, the model read from it (the import form's choices). */
  inspectModel(file: Blob, fileName: string): Promise<ModelFit>;
  /** The webstr models in IndexedDB, by key. */
  listModels(): Promise<StoredModel[]>;
  deleteModel(key: string): Promise<void>;
  /** Starts the backend and builds the model. `onNotice` (a Comlink.proxy) hears of a backend fallback, once. */
  create(options: CreateOptions, onNotice?: (message: string) => void): Promise<RecognizerInfo>;
  /** Restricts decoding to an allowed-character set (src/text/allow.ts: a set name or the characters);
   *  null lifts it. An InvalidArgumentError when it allows none of the model's characters. */
  setAllowed(spec: string | null): void;
  /** `{rectified: true}`: also return the image after the model's transform (TPS / GA-SPIN). */
  recognize(input: ImageInput, options?: RecognizeOptions): Promise<Recognition>;
  recognizeBatch(inputs: ImageInput[], options?: RecognizeOptions): Promise<RecognitionOutcome[]>;
  /** Saves the loaded weights through tf.io (e.g. 'indexeddb://crnn-mv3-en'). */
  saveModel(url: string): Promise<void>;
  /** Raw probabilities for one preprocessed input [1, H, W, C] (parity checks). */
  predictRaw(input: { data: Float32Array; shape: number[] }): Promise<{ data: Float32Array; shape: number[] }>;
  /** `simd`: our wasm SIMD kernels (src/ops/simd) run on this backend. */
  memory(): { numTensors: number; backend: string; simd: boolean };
  /** Test hook: destroys the WebGPU device as a driver reset would. */
  simulateDeviceLoss(): Promise<void>;
  dispose(): void;
}
