/**
 * Starting the engine: the project's kernels registered, then a backend planned and started. Every
 * worker, CLI command and library entry starts it this way (engine_browser.ts in pages' workers,
 * engine_node.ts in Node); calling it again switches the backend (kernels register once).
 */
import { initBackend, parseBackendRequest, type CapabilityReport, type InitOptions } from '../runtime/backend.ts';
import { registerAllKernels } from './registry.ts';

export interface Engine {
  report: CapabilityReport;
  /** How this environment starts a backend again (the recognizer's and trainer's fallback after a device loss). */
  init: InitOptions;
}

/** `backend`: 'auto' | 'webgpu' | 'wasm' | 'cpu' (InvalidArgumentError otherwise). */
export async function startEngineWith(backend: string, init: InitOptions): Promise<Engine> {
  const request = parseBackendRequest(backend);
  registerAllKernels();
  return { report: await initBackend(request, init), init };
}
