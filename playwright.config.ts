import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium.ts';

// Specs run against `vite preview`, i.e. the production build in dist/ (build first: `npm run build`).
const PORT = Number(process.env.WEBSTR_PREVIEW_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    // The production build registers a service worker that copies the whole app (~25 MB) on the first
    // visit; specs that test it (e2e/offline.spec.ts) allow it, the others keep plain network loads (and
    // their page.route fixtures, which a service worker would bypass).
    serviceWorkers: 'block',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/index.html`,
    // Never reuse: a server already on the port may be another checkout's build.
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
