/**
 * Makes tfjs-backend-wasm's threaded build start, and use the cores it is given, in a bundled app
 * (tfjs 4.22; both transforms fail the build if tfjs's code no longer has the expected shape, so an
 * upgrade cannot silently bring a problem back):
 * - The hang. tfjs hands each pthread worker the wasm module's factory as
 *   `wasmFactoryThreadedSimd.toString()`; once a bundler has minified the factory, that text names
 *   variables of the bundle around it (its `_scriptDir` closure, renamed), so every pthread worker dies
 *   with a ReferenceError, the pool never reports ready and `tf.setBackend('wasm')` never settles. The
 *   workers get the package's own unminified factory file instead (a Vite `?raw` import): self-contained.
 * - One thread on a 2-core machine. tfjs's C++ takes half of `navigator.hardwareConcurrency` as the core
 *   count (it assumes two hardware threads per core) and caps XNNPACK's pool there, even under
 *   `setThreadsCount`: on 2 logical cores that is 1, and the pool starts no thread. The glue's
 *   core-count function answers twice the logical count, so the pool gets one thread per logical core.
 */
import type { Plugin } from 'vite';

const BACKEND = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
const FACTORY_SOURCE = /`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)/;
const GLUE = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
const CORES = 'return navigator["hardwareConcurrency"]';

export function tfjsWasmThreads(): Plugin {
  return {
    name: 'webstr-tfjs-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0]!;
      if (BACKEND.test(file)) {
        if (!FACTORY_SOURCE.test(code)) this.error('tfjs-backend-wasm changed: the threaded factory source to replace was not found (vite.tfjs_wasm_threads.ts)');
        const header = "import webstrThreadedFactorySource from '../wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';\n";
        return { code: header + code.replace(FACTORY_SOURCE, 'webstrThreadedFactorySource'), map: null };
      }
      if (GLUE.test(file) && !id.includes('?raw')) {
        if (code.split(CORES).length !== 2) this.error('tfjs-backend-wasm changed: the core count to replace was not found once (vite.tfjs_wasm_threads.ts)');
        return { code: code.replace(CORES, 'return 2 * navigator["hardwareConcurrency"]'), map: null };
      }
      return null;
    },
  };
}
