/**
 * The runtime part every worker exposes (comlink): start a backend, report capabilities and device
 * state. Workers spread `runtimeApi` into their exposed object, so pages talk to each the same way.
 * Errors cross the boundary as comlink serialises them: `name` and `message` survive, so pages match
 * on `err.name` ('BackendUnavailableError', 'DeviceLostError', …).
 */
import { initBrowserBackend } from '../src/runtime/browser.ts';
import { deviceLostError, parseBackendRequest, type CapabilityReport } from '../src/runtime/backend.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { errorInfo, type ErrorInfo } from '../src/runtime/errors.ts';
import { tf } from '../src/runtime/tf.ts';
import './liveness.ts';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

let report: CapabilityReport | null = null;

export interface DeviceStatus {
  backend: string;
  /** The device-loss error, once the WebGPU device is lost. */
  lost: ErrorInfo | null;
}

export const runtimeApi = {
  /** Starts `request` ('auto' | 'webgpu' | 'wasm' | 'cpu'); throws BackendUnavailableError. */
  async init(request: string): Promise<CapabilityReport> {
    registerAllKernels();
    report = await initBrowserBackend(parseBackendRequest(request));
    return report;
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
