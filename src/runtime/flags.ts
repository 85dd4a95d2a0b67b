/**
 * The project's flags: declared, documented and read here only. Flags are settings a user or a test
 * may change; what the device can do is a capability (capabilities.ts), never a flag.
 */
export interface Flags {
  /** Treat a software WebGPU adapter (SwiftShader, fallback adapters) as a GPU for `auto`. Default false:
   *  on this class of adapter tfjs-webgpu is ~70x slower than wasm (docs/performance.md). */
  autoAcceptSoftwareAdapter: boolean;
  /** Use the multi-threaded wasm binary when the page is cross-origin isolated. Default false: with
   *  COOP/COEP, tfjs-backend-wasm 4.22's threaded build hangs in `setBackend` (ARCHITECTURE.md). */
  wasmThreads: boolean;
}

const DEFAULTS: Flags = { autoAcceptSoftwareAdapter: false, wasmThreads: false };
let current: Flags = { ...DEFAULTS };

export function getFlags(): Readonly<Flags> {
  return current;
}

export function setFlags(changes: Partial<Flags>): void {
  current = { ...current, ...changes };
}

export function resetFlags(): void {
  current = { ...DEFAULTS };
}
