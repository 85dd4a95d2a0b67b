/**
 * Builds the synthetic-words harness page (scripts/harness/synth.html + workers/synth.ts) with Vite's
 * API and an inline config (the product's vite.config.ts is untouched), serves it cross-origin isolated
 * and opens it in Debian's Chromium. For e2e/synth.spec.ts and `npm run perf -- synth`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, '.perf/synth_harness');
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export interface SynthHarness {
  page: Page;
  /** Calls `window.webstrSynth[fn](...args)` in the page. */
  call<T>(fn: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function openSynthHarness(): Promise<SynthHarness> {
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { input: { synth: path.join(root, 'scripts/harness/synth.html') } } },
    worker: { format: 'es' },
  });
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
  await page.goto(`http://127.0.0.1:${address.port}/scripts/harness/synth.html`);
  await page.waitForFunction(() => document.body.dataset.harness === 'ready');
  return {
    page,
    call: <T>(fn: string, ...args: unknown[]): Promise<T> =>
      page.evaluate(
        async ([f, a]) => {
          const h = (window as unknown as { webstrSynth: Record<string, (...x: unknown[]) => Promise<unknown>> }).webstrSynth;
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
