/**
 * Backend choice: `auto | webgpu | wasm | cpu`.
 *
 * `auto` takes webgpu only on a hardware adapter. A software adapter (SwiftShader, a fallback adapter)
 * runs tfjs-webgpu far slower than wasm (docs/performance.md: ~70x on a CRNN conv stack), so it is treated
 * as "no GPU" and wasm is chosen, then cpu. An explicit request that cannot start throws
 * `BackendUnavailableError` naming what is available; it never silently falls back.
 */
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.ts';
import { probeWebGPU, type AdapterReport, type GpuLike } from './capabilities.ts';
import { getFlags } from './flags.ts';
import { BackendUnavailableError, DeviceLostError } from './errors.ts';
import type { BackendName, BackendRequest } from './backend_names.ts';

export { BACKENDS, parseBackendRequest, type BackendName, type BackendRequest } from './backend_names.ts';

export interface BackendPlan {
  /** Backends to try, in order. */
  candidates: BackendName[];
  /** Why the first candidate is first, in words. */
  reason: string;
}

/** The decision, as a pure function of what the machine has and what the user asked for. */
export function planBackends(
  request: BackendRequest,
  adapter: AdapterReport,
  wasmSupported: boolean,
  acceptSoftwareAdapter = getFlags().autoAcceptSoftwareAdapter,
): BackendPlan {
  if (request !== 'auto') return { candidates: [request], reason: `requested explicitly` };
  const fallback: BackendName[] = wasmSupported ? ['wasm', 'cpu'] : ['cpu'];
  const first = wasmSupported ? 'wasm' : 'cpu (no WebAssembly)';
  if (!adapter.adapter) {
    return { candidates: fallback, reason: `no WebGPU adapter (${adapter.error}); using ${first}` };
  }
  if (adapter.software && !acceptSoftwareAdapter) {
    return {
      candidates: fallback,
      reason: `software WebGPU adapter seen: ${adapter.softwareReason}; using ${first}, which is faster than an emulated GPU`,
    };
  }
  const name = [adapter.vendor, adapter.architecture, adapter.description].filter((s) => s !== '').join(' ');
  return { candidates: ['webgpu', ...fallback], reason: `hardware WebGPU adapter (${name || 'unnamed'})` };
}

export interface WasmReport {
  supported: boolean;
  crossOriginIsolated: boolean;
  threadsRequested: boolean;
  /** Threads of tfjs-wasm's own kernels (XNNPACK's pool) once wasm started; null on other backends. */
  threads: number | null;
}

export interface Attempt {
  backend: BackendName;
  ok: boolean;
  error: string;
}

export interface CapabilityReport {
  platform: 'browser' | 'worker' | 'node';
  userAgent: string;
  requested: BackendRequest;
  backend: BackendName;
  reason: string;
  adapter: AdapterReport;
  wasm: WasmReport;
  /** Backends that can start here (webgpu: an adapter exists, software or not). */
  available: BackendName[];
  attempts: Attempt[];
  tfjsVersion: string;
}

export interface InitOptions {
  /** The WebGPU entry point: `navigator.gpu` in pages and workers, Dawn's `create([])` in Node. */
  gpu?: GpuLike | undefined;
  /** URLs of the tfjs wasm binaries, where the bundler moved them (browser builds). */
  wasmPaths?: Record<string, string> | undefined;
  /** Why there is no GPU entry point, when the caller knows better than "navigator.gpu is undefined". */
  gpuUnavailableReason?: string | undefined;
}

function detectPlatform(): CapabilityReport['platform'] {
  if (typeof window !== 'undefined' && typeof document !== 'undefined') return 'browser';
  if (typeof self !== 'undefined' && typeof (self as { importScripts?: unknown }).importScripts === 'function') {
    return 'worker';
  }
  return 'node';
}

function userAgent(): string {
  const ua = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent;
  if (ua !== undefined) return ua;
  return typeof process !== 'undefined' ? `node ${process.version} (${process.platform}-${process.arch})` : 'unknown';
}

function defaultGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

let wasmPathsSet = false;
let webgpuFactoryGpu: GpuLike | undefined;

/** tfjs's own webgpu factory reads the global navigator.gpu; ours uses the entry point we were given, so
 *  Node (Dawn) and pages go through the same code. Requests the same limits tfjs's factory does. */
function registerWebGPUFactory(gpu: GpuLike): void {
  if (webgpuFactoryGpu === gpu && tf.findBackendFactory('webgpu') !== null) return;
  webgpuFactoryGpu = gpu;
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (adapter === null) throw new Error('requestAdapter() returned no adapter');
      const features: GPUFeatureName[] = [];
      if (adapter.features.has('timestamp-query')) features.push('timestamp-query');
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: features,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      watchDevice(device);
      return new WebGPUBackend(device, adapter.info);
    },
    3,
  );
}

// ---- device loss ------------------------------------------------------------------------------

type LostListener = (err: DeviceLostError) => void;
let lostError: DeviceLostError | null = null;
const lostListeners = new Set<LostListener>();

function watchDevice(device: GPUDevice): void {
  lostError = null;
  void device.lost.then((info) => {
    lostError = new DeviceLostError(info.reason ?? 'unknown', info.message);
    for (const cb of lostListeners) cb(lostError);
  });
}

/** Calls `cb` once the current WebGPU device is lost. Returns an unsubscribe function. */
export function onDeviceLost(cb: LostListener): () => void {
  lostListeners.add(cb);
  return () => lostListeners.delete(cb);
}

/** The loss of the current WebGPU device, or null while it is alive (or another backend is active). */
export function deviceLostError(): DeviceLostError | null {
  return lostError;
}

/** Throws `DeviceLostError` if the webgpu backend is active and its device has been lost. */
export function assertDeviceAlive(): void {
  if (lostError !== null && tf.getBackend() === 'webgpu') throw lostError;
}

function wasmThreadsCount(): number | null {
  try {
    return getThreadsCount();
  } catch {
    return null;
  }
}

// ---- initialisation ---------------------------------------------------------------------------

async function tryStart(name: BackendName): Promise<string> {
  try {
    if (name === 'wasm') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', getFlags().wasmThreads);
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tfjs could not initialise the ${name} backend (its warning is in the console)`;
    await tf.ready();
    return '';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Probes the device, chooses a backend for `request`, starts it in tfjs and returns the capability
 * report. Throws `BackendUnavailableError` when no candidate starts.
 */
export async function initBackend(request: BackendRequest, options: InitOptions = {}): Promise<CapabilityReport> {
  const gpu = 'gpu' in options ? options.gpu : defaultGpu();
  if (options.wasmPaths !== undefined && !wasmPathsSet) {
    setWasmPaths(options.wasmPaths);
    wasmPathsSet = true;
  }
  const adapter = await probeWebGPU(gpu);
  if (gpu === undefined && options.gpuUnavailableReason) adapter.error = options.gpuUnavailableReason;
  if (gpu !== undefined && adapter.adapter) registerWebGPUFactory(gpu);
  else if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');

  const wasmSupported = typeof WebAssembly === 'object';
  const available: BackendName[] = [];
  if (adapter.adapter) available.push('webgpu');
  if (wasmSupported) available.push('wasm');
  available.push('cpu');

  const plan = planBackends(request, adapter, wasmSupported);
  const attempts: Attempt[] = [];
  for (const name of plan.candidates) {
    if (!available.includes(name)) {
      const why = name === 'webgpu' ? adapter.error || 'no WebGPU adapter' : 'WebAssembly is not supported';
      attempts.push({ backend: name, ok: false, error: why });
      continue;
    }
    const error = await tryStart(name);
    attempts.push({ backend: name, ok: error === '', error });
    if (error === '') {
      const failed = attempts.filter((a) => !a.ok);
      const reason =
        failed.length === 0
          ? plan.reason
          : `${plan.reason}; ${failed.map((a) => `${a.backend} failed (${a.error})`).join('; ')}`;
      return {
        platform: detectPlatform(),
        userAgent: userAgent(),
        requested: request,
        backend: name,
        reason,
        adapter,
        wasm: {
          supported: wasmSupported,
          crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
          threadsRequested: getFlags().wasmThreads,
          threads: name === 'wasm' ? wasmThreadsCount() : null,
        },
        available: available.filter((b) => !attempts.some((a) => a.backend === b && !a.ok)),
        attempts,
        tfjsVersion: tf.version_core,
      };
    }
  }
  const last = attempts[attempts.length - 1];
  throw new BackendUnavailableError(
    request,
    available.filter((b) => !attempts.some((a) => a.backend === b && !a.ok)),
    last?.error ?? 'nothing to try',
  );
}
