/** The engine in pages and workers: `navigator.gpu` and the wasm binaries where the bundler put them. */
import { WASM_PATHS } from '../runtime/browser.ts';
import type { InitOptions } from '../runtime/backend.ts';
import { startEngineWith, type Engine } from './engine.ts';

export type { Engine } from './engine.ts';

export function browserInit(): InitOptions {
  return { gpu: navigator.gpu, wasmPaths: WASM_PATHS };
}

export function startEngine(backend: string): Promise<Engine> {
  return startEngineWith(backend, browserInit());
}
