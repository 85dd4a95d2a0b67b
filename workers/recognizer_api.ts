/**
 * What crosses the recognizer worker's protocol (`RecognizerApi`, the type of what workers/recognizer.ts
 * exposes through comlink): pages start it through src/ui/worker_client.ts, then call `create(…)` and
 * `recognize(…)`. Inputs are transferred (`Comlink.transfer(blob|bitmap|bytes, [...])`); errors arrive as
 * named errors (`err.name`), per-image failures as `{ ok: false, error: { name, message } }`.
 */
import type { CapabilityReport } from '../src/runtime/backend.ts';
import type { ModelConfig } from '../src/models/config.ts';
import type { Provenance } from '../src/weights/format.ts';
import type { ModelSource } from '../src/recognize/model_source.ts';

export interface CreateOptions {
  model: ModelSource;
  /** 'auto' | 'webgpu' | 'wasm' | 'cpu'. */
  backend: string;
  /** Largest same-width batch per model call (default 16). */
  maxBatch?: number;
  /** Allowed characters at decoding (src/text/allow.ts: a set name or the characters); default all. */
  allow?: string | null;
  /** tfjs-wasm's threaded build where the page is cross-origin isolated (default off); it applies when
   *  this worker first starts wasm. */
  wasmThreads?: boolean;
}

export interface RecognizerInfo {
  capabilities: CapabilityReport;
  preset: string;
  config: ModelConfig;
  charset: string;
  provenance: Provenance;
}
