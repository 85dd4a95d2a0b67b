/**
 * The `webstr` command compiled for Node (`npm run build:cli` → dist-cli/): an SSR build of cli/main.ts,
 * one chunk per command (they are imported lazily), dependencies left to node_modules. cli/webstr.mjs
 * runs it when it is at least as new as every source it was built from (dist-cli/inputs.json lists
 * them), and falls back to running the sources through tsx otherwise, so a dev checkout never runs a
 * stale build.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * Files a module reads beside itself at run time (`new URL('./assets/x.jpg', import.meta.url)`, e.g.
 * src/synth/node.ts's patch atlas): an SSR build leaves the expression as is, so the file must sit
 * beside the chunk that holds it. Copies each such file from ASSET_DIRS next to its chunk; a reference
 * to a file none of them holds fails the build (rather than `webstr train --synth-style rich` later).
 */
const ASSET_DIRS = ['src/synth'];
function besideChunkAssets(): Plugin {
  return {
    name: 'webstr-cli-assets',
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const m of chunk.code.matchAll(/new URL\(["'`]\.\/(assets\/[\w.-]+)["'`],\s*import\.meta\.url\)/g)) {
          const rel = m[1]!;
          const from = ASSET_DIRS.map((d) => path.join(root, d, rel)).find((f) => existsSync(f));
          if (from === undefined) this.error(`${chunk.fileName} reads ./${rel} beside itself, which none of ${ASSET_DIRS.join(', ')} holds`);
          this.emitFile({ type: 'asset', fileName: path.posix.join(path.posix.dirname(chunk.fileName), rel), source: readFileSync(from) });
        }
      }
    },
  };
}

/**
 * Worker threads the CLI starts from a source file (src/synth/node_pool.ts starts pool_worker.mjs, which
 * runs pool_worker.ts through tsx): in the build, the worker is its own entry chunk and the module gets
 * that chunk's URL instead. Fails the build if the expression it replaces is gone.
 */
const WORKERS: { module: string; expr: RegExp; entry: string; fileName: string }[] = [
  { module: 'src/synth/node_pool.ts', expr: /new URL\(["']\.\/pool_worker\.mjs["'], import\.meta\.url\)/, entry: 'src/synth/pool_worker.ts', fileName: 'synth_worker.js' },
  { module: 'src/train/node_replicas.ts', expr: /new URL\(["']\.\/replica_worker\.mjs["'], import\.meta\.url\)/, entry: 'src/train/replica_worker.ts', fileName: 'train_replica_worker.js' },
];
const PLACEHOLDER = '__webstr_worker__/';
function workerEntries(): Plugin {
  return {
    name: 'webstr-cli-workers',
    enforce: 'pre',
    transform(code, id) {
      const w = WORKERS.find((x) => id === path.join(root, x.module));
      if (w === undefined) return null;
      if (!w.expr.test(code)) this.error(`${w.module} no longer starts its worker as ${String(w.expr)}: update vite.cli.config.ts`);
      this.emitFile({ type: 'chunk', id: path.join(root, w.entry), fileName: w.fileName });
      return { code: code.replace(w.expr, `new URL('${PLACEHOLDER}${w.fileName}', import.meta.url)`), map: null };
    },
    renderChunk(code, chunk) {
      // The worker's path relative to the chunk that starts it (wherever the bundler put that module).
      if (!code.includes(PLACEHOLDER)) return null;
      return code.replaceAll(new RegExp(`${PLACEHOLDER}([\\w.-]+)`, 'g'), (_m, file: string) => {
        const rel = path.posix.relative(path.posix.dirname(chunk.fileName), file);
        return rel.startsWith('.') ? rel : `./${rel}`;
      });
    },
  };
}

export default defineConfig({
  root,
  logLevel: 'warn',
  publicDir: false,
  plugins: [inputsManifest(), besideChunkAssets(), workerEntries()],
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
