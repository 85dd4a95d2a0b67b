/**
 * The runtime part every worker exposes (comlink): start a backend, report capabilities and device
 * state. Workers spread `runtimeApi` into their exposed object, so pages talk to each the same way.
 * Errors cross the boundary as comlink serialises them: `name` and `message` survive, so pages match
 * on `err.name` ('BackendUnavailableError', 'DeviceLostError', …).
 */
import { deviceLostError, type CapabilityReport } from '../src/runtime/backend.ts';
import { startEngine, type Engine } from '../src/ops/engine_browser.ts';
import { errorInfo, type ErrorInfo } from '../src/runtime/errors.ts';
import { setFlags } from '../src/runtime/flags.ts';
import { tf } from '../src/runtime/tf.ts';
import './liveness.ts';
import { appRootOf } from './app_root.ts';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** The app's root URL, where shipped models are served (`models/`): workers sit one folder below it
 *  (dev: /workers/, build: /assets/). Computed from the string: Vite rewrites a URL literal
 *  ("../" relative to import.meta.url) into the URL of a bundled chunk, which put the root in /assets/. */
export const APP_ROOT = appRootOf(import.meta.url);

let report: CapabilityReport | null = null;
let starting: Promise<Engine> | null = null;

/** Starts the engine on `request` (every worker starts it through here; again = switch backends). */
export async function startWorkerEngine(request: string): Promise<Engine> {
  const s = startEngine(request);
  starting = s;
  const engine = await s;
  report = engine.report;
  return engine;
}

/** The engine the page started (waits for an `init` still running), or `auto` when it started none. */
export function workerEngine(): Promise<Engine> {
  return (starting ??= startWorkerEngine('auto'));
}

export interface DeviceStatus {
  backend: string;
  /** The device-loss error, once the WebGPU device is lost. */
  lost: ErrorInfo | null;
}

export const runtimeApi = {
  /** Starts `request` ('auto' | 'webgpu' | 'wasm' | 'cpu'); throws BackendUnavailableError. `wasmThreads`:
   *  tfjs-wasm's threaded build where the page is cross-origin isolated (the `wasmThreads` flag; off by
   *  default, see ARCHITECTURE.md), set before the backend starts. */
  async init(request: string, options: { wasmThreads?: boolean } = {}): Promise<CapabilityReport> {
    if (options.wasmThreads !== undefined) setFlags({ wasmThreads: options.wasmThreads });
    return (await startWorkerEngine(request)).report;
  },
  capabilities(): CapabilityReport | null {
    return report;
  },
  deviceStatus(): DeviceStatus {
    const lost = deviceLostError();
    return { backend: tf.getBackend(), lost: lost === null ? null : errorInfo(lost) };
  },
  /** Test hook: destroys the WebGPU device, as a driver reset would, and waits for the loss to be seen. */
  async simulateDeviceLoss(): Promise<DeviceStatus> {
    if (tf.getBackend() !== 'webgpu') throw new Error('simulateDeviceLoss: the webgpu backend is not active');
    const device = (tf.backend() as WebGPUBackend).device;
    device.destroy();
    await device.lost;
    await new Promise((r) => setTimeout(r, 0));
    return runtimeApi.deviceStatus();
  },
};

export type RuntimeApi = typeof runtimeApi;
