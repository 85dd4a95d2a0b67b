/**
 * Runtime start-up for pages and workers: tells tfjs where the bundler put the wasm binaries, and
 * passes `navigator.gpu`. Node code uses `initBackend` directly (src/runtime/node_gpu.ts for WebGPU).
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, type BackendRequest, type CapabilityReport } from './backend.ts';

export const WASM_PATHS: Record<string, string> = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
};

export function initBrowserBackend(request: BackendRequest): Promise<CapabilityReport> {
  return initBackend(request, { gpu: navigator.gpu, wasmPaths: WASM_PATHS });
}
