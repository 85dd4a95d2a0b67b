import { basename, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { PAGES, withChrome } from './src/ui/page_chrome.ts';
import { browserTf } from './vite.tf_alias.ts';
import { tfjsWasmThreads } from './vite.tfjs_wasm_threads.ts';
import { SW_ENTRY, SW_FILE, offlinePlugin } from './scripts/lib/offline_build.ts';

// Served cross-origin isolated (COOP/COEP), as a deployment that wants SharedArrayBuffer would be:
// the e2e specs then prove the wasm backend starts under isolation, single-threaded (the default) and
// threaded (?threads=on; the tfjs 4.22 threaded-wasm hang is mended by vite.tfjs_wasm_threads.ts).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The header and nav come from src/ui/page_chrome.ts, so the pages cannot drift apart.
function pageChrome(): Plugin {
  const files = new Set(PAGES.map((p) => p.file));
  return {
    name: 'webstr-page-chrome',
    transformIndexHtml: {
      order: 'pre',
      handler: (html, ctx) => {
        const file = basename(ctx.filename);
        return files.has(file) ? withChrome(html, file) : html;
      },
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [pageChrome(), browserTf(import.meta.dirname), tfjsWasmThreads(), offlinePlugin(resolve(import.meta.dirname, 'public'), PAGES.map((p) => p.file))],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        ...Object.fromEntries(PAGES.map((p) => [p.file.replace(/\.html$/, ''), resolve(import.meta.dirname, p.file)])),
        // The service worker, at a fixed name at the root: its scope is the app (scripts/lib/offline_build.ts).
        [SW_ENTRY]: resolve(import.meta.dirname, 'workers/sw.ts'),
      },
      output: { entryFileNames: (chunk) => (chunk.name === SW_ENTRY ? SW_FILE : 'assets/[name]-[hash].js') },
    },
  },
  worker: { format: 'es', plugins: () => [browserTf(import.meta.dirname), tfjsWasmThreads()] },
  server: { headers: isolation },
  preview: { headers: isolation },
});
