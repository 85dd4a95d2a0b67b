/**
 * Test/perf harness pages (scripts/harness/*.html, not product pages): built with Vite's API and an
 * inline config (the product's vite.config.ts is untouched), served cross-origin isolated, opened in
 * Debian's Chromium with WebGPU enabled; calls go to `window[global][fn](...args)` in the page.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { tfjsWasmThreads } from '../../vite.tfjs_wasm_threads.ts';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface Harness {
  page: Page;
  /** Calls `window[global][fn](...args)` in the page. */
  call<T>(fn: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export interface HarnessSpec {
  /** `scripts/harness/<page>.html`; built into `.perf/<outName>`. */
  page: string;
  outName: string;
  /** The global the page exposes its calls on. */
  global: string;
  /** Runs after the build, before serving: files it writes under `outDir` are served at `./<path>`. */
  beforeServe?: (outDir: string) => Promise<void>;
  /** Runs on the page before it is opened (routes). */
  preparePage?: (page: Page) => Promise<void>;
}

export async function openHarness(spec: HarnessSpec): Promise<Harness> {
  const outDir = path.join(root, '.perf', spec.outName);
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    plugins: [tfjsWasmThreads()],
    build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { input: { [spec.page]: path.join(root, `scripts/harness/${spec.page}.html`) } } },
    worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  });
  await spec.beforeServe?.(outDir);
  const server: PreviewServer = await preview({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1', strictPort: false, headers },
  });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('vite preview did not report a port');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  await spec.preparePage?.(page);
  await page.goto(`http://127.0.0.1:${address.port}/scripts/harness/${spec.page}.html`);
  await page.waitForFunction(() => document.body.dataset.harness === 'ready');
  return {
    page,
    call: <T>(fn: string, ...args: unknown[]): Promise<T> =>
      page.evaluate(
        async ([g, f, a]) => {
          const h = (window as unknown as Record<string, Record<string, (...x: unknown[]) => Promise<unknown>>>)[g]!;
          return h[f]!(...(a));
        },
        [spec.global, fn, args] as const,
      ) as Promise<T>,
    async close(): Promise<void> {
      await browser.close();
      await server.close();
    },
  };
}
