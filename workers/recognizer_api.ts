/**
 * What crosses the recognizer worker's protocol (`RecognizerApi`, the type of what workers/recognizer.ts
 * exposes through comlink): pages start it through src/ui/worker_client.ts, then call `create(…)` and
 * `recognize(…)`. Inputs are transferred (`Comlink.transfer(blob|bitmap|bytes, [...])`); errors arrive as
 * named errors (`err.name`), per-image failures as `{ ok: false, error: { name, message } }`.
 */
import type { CapabilityReport } from '../src/runtime/backend.ts';
import type { ModelConfig } from '../src/models/config.ts';
import type { Provenance } from '../src/weights/format.ts';

export type ModelSource =
  /** URL of a webstr `model.json` (weights.bin beside it). */
  | { kind: 'url'; url: string; sha256?: string }
  /** Dropped files: `model.json` + `weights.bin`, or one PaddleOCR `.onnx` or PyTorch `.pth` (imported
   *  with `preset`; a `.pth` without one as the DTRB model its parameters describe). */
  | { kind: 'files'; files: File[]; preset?: string }
  /** Weights saved earlier with `saveModel('indexeddb://…')`. */
  | { kind: 'indexeddb'; key: string }
  /** A PaddleOCR inference ONNX file's bytes, imported as `preset`. */
  | { kind: 'onnx'; bytes: ArrayBuffer; preset: string; source?: string }
  /** A model shipped with webstr, by name (src/recognize/registry.ts), served at `models/<name>/`. */
  | { kind: 'shipped'; name: string };

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

/** A model kept in this browser's IndexedDB (tf.io `indexeddb://<key>`). */
export interface StoredModel {
  key: string;
  /** From a `webstr/<preset>/<file>` key; null for keys written by something else. */
  preset: string | null;
  fileName: string | null;
  dateSaved: string;
  weightBytes: number;
}
