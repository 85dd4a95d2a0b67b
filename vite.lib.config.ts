/**
 * The importable library (`npm run build:lib` → dist-lib/): Vite's library mode, once per target.
 *  --mode browser: src/lib/browser.ts → dist-lib/browser/. Self-contained: comlink and the page-side code
 *    in index.js, tfjs and the model code in the recognizer worker's own file, the tfjs wasm binaries as
 *    files beside it (found through `new URL(…, import.meta.url)`, which bundlers follow).
 *  --mode node: src/lib/node.ts → dist-lib/node/index.js, dependencies left to node_modules (tfjs; the
 *    optional @napi-rs/canvas and webgpu are imported only when used).
 * Types: tsconfig.lib.json (tsc) → dist-lib/types/.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { browserTf } from './vite.tf_alias.ts';
import { tfjsWasmThreads } from './vite.tfjs_wasm_threads.ts';

const root = import.meta.dirname;

/**
 * Vite writes the worker's URL as `new URL(new URL('assets/w.js', import.meta.url).href, '' + import.meta.url)`;
 * an app's bundler only follows the literal form `new Worker(new URL('./assets/w.js', import.meta.url))`
 * (then bundles the worker and the wasm files it names). Rewrites to that form, and fails the build when
 * the expected shape is missing.
 */
const WORKERS = 3;
function literalWorkerUrl(): Plugin {
  return {
    name: 'webstr-literal-worker-url',
    generateBundle(_options, bundle) {
      const entry = bundle['index.js'];
      if (entry === undefined || entry.type !== 'chunk') throw new Error('webstr lib build: no index.js chunk');
      const shape = /new URL\(new URL\(`(assets\/[\w.-]+\.js)`,\s*import\.meta\.url\)\.href,\s*``\s*\+\s*import\.meta\.url\)/g;
      let n = 0;
      entry.code = entry.code.replace(shape, (_m, file: string) => {
        n++;
        return `new URL(${JSON.stringify(`./${file}`)},import.meta.url)`;
      });
      // The recognizer, trainer and ingest workers.
      if (n !== WORKERS) throw new Error(`webstr lib build: expected ${WORKERS} worker URLs in index.js, rewrote ${n}`);
    },
  };
}

/**
 * Copies the shipped models the build lists (public/models/index.json, written by `npm run models`) into
 * dist-lib/browser/models/, where the browser entry looks for them by name (src/lib/shipped_browser.ts).
 */
function shippedModels(): Plugin {
  return {
    name: 'webstr-shipped-models',
    async writeBundle(options) {
      const out = path.join(options.dir ?? path.join(root, 'dist-lib/browser'), 'models');
      const index = path.join(root, 'public/models/index.json');
      const listing = JSON.parse(await readFile(index, 'utf8').catch(() => {
        throw new Error(`webstr lib build: ${index} is missing (run npm run models)`);
      })) as { models: { name: string; path: string }[] };
      await mkdir(out, { recursive: true });
      await copyFile(index, path.join(out, 'index.json'));
      for (const m of listing.models) {
        const dir = path.dirname(path.join(root, 'public', m.path));
        const manifest = JSON.parse(await readFile(path.join(root, 'public', m.path), 'utf8')) as { weightsManifest: { paths: string[] }[] };
        const files = [path.basename(m.path), ...manifest.weightsManifest.flatMap((g) => g.paths)];
        await mkdir(path.join(out, m.name), { recursive: true });
        for (const f of files) await copyFile(path.join(dir, f), path.join(out, m.name, f));
      }
    },
  };
}

export default defineConfig(({ mode }): UserConfig => {
  if (mode !== 'browser' && mode !== 'node') throw new Error(`vite.lib.config.ts: --mode browser or --mode node, got '${mode}'`);
  const common: UserConfig = { root, logLevel: 'error', publicDir: false };
  if (mode === 'browser') {
    return {
      ...common,
      plugins: [literalWorkerUrl(), browserTf(root), tfjsWasmThreads(), shippedModels()],
      // Relative asset URLs: the files sit beside index.js wherever the package is installed.
      base: './',
      build: {
        outDir: 'dist-lib/browser',
        emptyOutDir: true,
        target: 'es2022',
        minify: true,
        // Library mode would inline the wasm binaries (base64, ~1.3 MB more per worker); as an entry
        // build with its exports kept they stay files, fetched only for the backend that starts.
        assetsInlineLimit: 0,
        modulePreload: false,
        copyPublicDir: false,
        rollupOptions: {
          input: { index: path.join(root, 'src/lib/browser.ts') },
          preserveEntrySignatures: 'exports-only',
          output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'assets/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
        },
      },
      worker: { format: 'es', plugins: () => [browserTf(root), tfjsWasmThreads()] },
    };
  }
  return {
    ...common,
    build: {
      // Two entries: the library, and the thread of its recognizer pool (src/lib/node_pool.ts finds
      // recognizer_worker.js at the root of this folder, from index.js or from chunks/).
      ssr: true,
      outDir: 'dist-lib/node',
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: {
        input: { index: path.join(root, 'src/lib/node.ts'), recognizer_worker: path.join(root, 'src/lib/node_worker.ts') },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
    ssr: { target: 'node' },
  };
});
