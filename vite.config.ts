import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { browserTf } from './vite.tf_alias.ts';

// Served cross-origin isolated (COOP/COEP), as a deployment that wants SharedArrayBuffer would be:
// the e2e specs then prove the wasm backend starts under isolation (the tfjs 4.22 threaded-wasm hang is
// avoided in src/runtime/backend.ts).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [browserTf(import.meta.dirname)],
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        bench: resolve(import.meta.dirname, 'bench.html'),
        finetune: resolve(import.meta.dirname, 'finetune.html'),
        selftest: resolve(import.meta.dirname, 'selftest.html'),
      },
    },
  },
  worker: { format: 'es', plugins: () => [browserTf(import.meta.dirname)] },
  server: { headers: isolation },
  preview: { headers: isolation },
});
