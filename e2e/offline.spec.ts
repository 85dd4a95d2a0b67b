/**
 * Offline: the first visit of the demo registers the service worker, which keeps the app, its wasm and the
 * shipped model; then, with the network off, a reload still loads the page cross-origin isolated, starts
 * wasm, loads the shipped model and reads a sample crop; another page opens from the cache too. A new
 * build's version replaces the cache (workers/offline_plan.test.ts covers the strategy; the version
 * comes from scripts/lib/offline_build.ts).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';

test.use({ serviceWorkers: 'allow' });
test.describe.configure({ timeout: 300_000 });

test('the demo reloads and reads a sample crop with the network off', async ({ page, context }) => {
  const errors = collectErrors(page);
  await page.goto('index.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  // Installed (every file of the build copied) and in control of the page.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller === null) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
  const cached = await page.evaluate(async () => {
    const keys = (await caches.keys()).filter((k) => k.startsWith('webstr-offline-'));
    return { caches: keys, files: (await (await caches.open(keys[0]!)).keys()).map((r) => new URL(r.url).pathname) };
  });
  // One cache, named after the version the build wrote into sw.js.
  const version = /"version":"([0-9a-f]+)"/.exec(readFileSync('dist/sw.js', 'utf8'))?.[1];
  expect(cached.caches).toEqual([`webstr-offline-${version}`]);
  expect(cached.files).toEqual(expect.arrayContaining(['/index.html', '/models/ppocr-v4/weights.bin', '/samples/01-coffee.png']));
  expect(cached.files.some((f) => f.endsWith('.wasm'))).toBe(true);

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  expect(await page.evaluate(() => ({ isolated: crossOriginIsolated, online: navigator.onLine }))).toEqual({ isolated: true, online: false });
  await page.locator('[data-testid=sample][data-sample="01-coffee.png"]').click();
  const card = page.getByTestId('result').first();
  await expect(card).toHaveAttribute('data-text', 'COFFEE', { timeout: 120_000 });
  await expect(page.getByTestId('offline-status')).toContainText('files of the app');

  // Another page, never visited, comes from the cache as well.
  await page.goto('bench.html');
  await expect(page.locator('h1')).toHaveText('webstr · Benchmark');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready', { timeout: 120_000 });
  await context.setOffline(false);
  expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([]);
});
