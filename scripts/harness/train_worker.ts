/**
 * Worker of the train harness page (scripts/harness/train.html; scripts and perf only, not a product
 * worker): starts a backend the way the product's workers do (`runtimeApi.init`: startEngine of
 * src/ops/engine_browser.ts, i.e. the kernels registered, then navigator.gpu and the bundled wasm binaries) and measures
 * training throughput (scripts/lib/train_throughput.ts) there, as training runs in workers/trainer.ts.
 * Results and failures come back as plain data (a failure as its error's name and message).
 */
import * as Comlink from 'comlink';
import { tf } from '../../src/runtime/tf.ts';
import { errorInfo, type ErrorInfo } from '../../src/runtime/errors.ts';
import { runtimeApi } from '../../workers/runtime_api.ts';
import { throughput, type Throughput } from '../lib/train_throughput.ts';

/** The part of the capability report the perf suite prints. */
export interface TrainBackendInfo {
  backend: string;
  reason: string;
  adapter: { vendor: string; architecture: string; description: string; software: boolean; softwareReason: string; error: string };
  userAgent: string;
  crossOriginIsolated: boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export interface TrainMeasurement extends Throughput {
  backend: string;
  /** tf.memory().numTensors before building the model and after disposing it. */
  tensorsBefore: number;
  tensorsAfter: number;
}

async function outcome<T>(f: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    return { ok: false, error: errorInfo(err) };
  }
}

const api = {
  /** Starts `request` (explicit 'webgpu' takes a software adapter too: only `auto` refuses one). */
  init: (request: string): Promise<Outcome<TrainBackendInfo>> =>
    outcome(async () => {
      const r = await runtimeApi.init(request);
      const a = r.adapter;
      return {
        backend: r.backend,
        reason: r.reason,
        adapter: { vendor: a.vendor, architecture: a.architecture, description: a.description, software: a.software, softwareReason: a.softwareReason, error: a.error },
        userAgent: r.userAgent,
        crossOriginIsolated: r.wasm.crossOriginIsolated,
      };
    }),
  measure: (preset: string, batch: number, steps: number): Promise<Outcome<TrainMeasurement>> =>
    outcome(async () => {
      const tensorsBefore = tf.memory().numTensors;
      const r = await throughput(preset, batch, steps);
      return { ...r, backend: tf.getBackend(), tensorsBefore, tensorsAfter: tf.memory().numTensors };
    }),
  memory: (): { numTensors: number; backend: string } => ({ numTensors: tf.memory().numTensors, backend: tf.getBackend() }),
};

export type TrainWorkerApi = typeof api;
Comlink.expose(api);
