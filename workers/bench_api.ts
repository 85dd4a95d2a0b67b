/**
 * The bench worker's typed protocol (comlink): runtime calls (runtime_api.ts), models kept in IndexedDB
 * through tf.io, and evaluation runs with progress (a Comlink.proxy) and cancel. The page stays free:
 * reading data, decoding, the model and the metrics all run in the worker.
 */
import type { BenchReport } from '../src/eval/report.ts';
import type { EvalProgress, Recognition } from '../src/eval/runner.ts';
import type { SampleRef } from '../src/eval/crash_journal.ts';
import type { ModelSource } from '../src/recognize/model_source.ts';

/** A dataset to evaluate: imported into IndexedDB, an LMDB `data.mdb` File read in place, or shards over HTTP. */
export type BenchDataSource =
  | { kind: 'indexeddb'; id: string; name: string }
  | { kind: 'file'; file: File; name: string }
  | { kind: 'url'; url: string; name: string };

export interface BenchRunRequest {
  model: ModelSource;
  /** How the report names the model (file name or stored name). */
  modelLabel: string;
  backend: string;
  datasets: BenchDataSource[];
  limit?: number;
  /** `i/n`. */
  shard?: string;
  filtering?: 'dtrb' | 'off';
  /** Allowed characters at decoding (src/text/allow.ts); default all. */
  allow?: string | null;
  batchSize?: number;
  keepFailures?: number;
  keepPredictions?: boolean;
  /** Batches submitted ahead (src/eval/runner.ts `inFlight`; default 2: the next batch decodes during the model). */
  inFlight?: number;
  /** Decode a batch's images concurrently before the recognizer (default true); false: one by one inside it. */
  parallelDecode?: boolean;
  /** JPEG bytes go to the recognizer as they are, which makes each the model's input in one pass inside the wasm
   *  decoder (src/image/jpeg_input.ts; default true); false: JPEGs decode to pixels first like other images. */
  jpegInput?: boolean;
  /** Samples ordered by model input width before batching (src/eval/runner.ts `window`; default 1024; 0 = off). */
  window?: number;
  /** After a crash (src/ui/bench_pool.ts): results already known (scored, not recomputed) and items to run alone. */
  known?: (SampleRef & { result: Recognition })[];
  isolate?: SampleRef[];
  /** Test hook (e2e): the worker dies when a batch holding this sample is about to run: `close` calls
   *  self.close() (no event reaches the page), `throw` throws outside any call (an `error` event). */
  testCrash?: SampleRef & { how: 'close' | 'throw' };
}

/** A worker that crashed during a pool run and was restarted: `index` is the item that crashed it (reported as
 *  a failed sample), or null when several were in flight (`suspects`, re-run one by one to find it). */
export interface BenchCrash {
  worker: number;
  dataset: string | null;
  index: number | null;
  suspects?: number;
  error: string;
}

/** Where a worker's evaluation time went on its thread, in ms summed over images. `decodeMs` counts the
 *  recognizer's own (serial) decoding only: with `parallelDecode` the decode runs off the thread and its
 *  waits fall in the rest of `evalMs` (with reading and metrics). */
export interface BenchStages {
  decodeMs: number;
  preprocessMs: number;
  modelMs: number;
  ctcMs: number;
  /** The whole evaluation (after model load). */
  evalMs: number;
}

export interface BenchRunResult {
  report: BenchReport;
  /** Encoded images of `report.failures`, index for index. */
  failureImages: Uint8Array[];
  predictions?: { dataset: string; index: number; prediction: string }[];
  /** Per worker of the run (one entry without a pool). */
  stages?: BenchStages[];
  /** Workers that crashed and were restarted during the run (the pool's). */
  crashes?: BenchCrash[];
}

export type BenchProgress = EvalProgress;
