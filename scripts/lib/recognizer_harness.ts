/**
 * Builds the recognizer harness page (scripts/harness/) with Vite's API and an inline config (the
 * product's vite.config.ts is untouched), serves it cross-origin isolated, opens it in Debian's Chromium
 * with WebGPU enabled, and serves the shared ONNX model to the page at /model.onnx (never copied into
 * the build).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';
import { MV3_EN_ONNX } from '../../src/testing/shared.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, '.perf/harness');
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface Harness {
  page: Page;
  /** Calls `window.webstrHarness[fn](...args)` in the page. */
  call<T>(fn: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Runs after the build, before serving: files it writes under `outDir` are served at `./<path>`
   *  (for bodies too large for Playwright routing, whose protocol messages cap near 256 MB). */
  beforeServe?: (outDir: string) => Promise<void>;
}

export async function openRecognizerHarness(options: HarnessOptions = {}): Promise<Harness> {
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { input: { recognizer: path.join(root, 'scripts/harness/recognizer.html') } } },
    worker: { format: 'es' },
  });
  await options.beforeServe?.(outDir);
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
  const base = `http://127.0.0.1:${address.port}/`;
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  const model = readFileSync(MV3_EN_ONNX);
  await page.route('**/model.onnx', (route) =>
    route.fulfill({ body: model, contentType: 'application/octet-stream', headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } }),
  );
  await page.goto(`${base}scripts/harness/recognizer.html`);
  await page.waitForFunction(() => document.body.dataset.harness === 'ready');
  return {
    page,
    call: <T>(fn: string, ...args: unknown[]): Promise<T> =>
      page.evaluate(
        async ([f, a]) => {
          const h = (window as unknown as { webstrHarness: Record<string, (...x: unknown[]) => Promise<unknown>> }).webstrHarness;
          return h[f]!(...(a));
        },
        [fn, args] as const,
      ) as Promise<T>,
    async close(): Promise<void> {
      await browser.close();
      await server.close();
    },
  };
}
