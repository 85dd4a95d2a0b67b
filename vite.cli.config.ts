/**
 * The `webstr` command compiled for Node (`npm run build:cli` → dist-cli/): an SSR build of cli/main.ts,
 * one chunk per command (they are imported lazily), dependencies left to node_modules. cli/webstr.mjs
 * runs it when it is at least as new as every source it was built from (dist-cli/inputs.json lists
 * them), and falls back to running the sources through tsx otherwise, so a dev checkout never runs a
 * stale build.
 */
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const root = import.meta.dirname;

/** Writes dist-cli/inputs.json: the project files the build read (relative to the root). */
function inputsManifest(): Plugin {
  return {
    name: 'webstr-cli-inputs',
    generateBundle() {
      const files = [...this.getModuleIds()]
        .map((id) => id.replace(/\?.*$/, ''))
        .filter((id) => path.isAbsolute(id) && id.startsWith(root + path.sep) && !id.includes(`${path.sep}node_modules${path.sep}`))
        .map((id) => path.relative(root, id))
        .sort();
      this.emitFile({ type: 'asset', fileName: 'inputs.json', source: JSON.stringify([...new Set(files)], null, 1) + '\n' });
    },
  };
}

export default defineConfig({
  root,
  logLevel: 'warn',
  publicDir: false,
  plugins: [inputsManifest()],
  build: {
    ssr: path.join(root, 'cli/main.ts'),
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: {
      output: { format: 'es', entryFileNames: 'main.js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
  ssr: { target: 'node' },
});
