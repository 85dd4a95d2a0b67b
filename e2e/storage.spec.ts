/**
 * Storage as a user meets it on bench.html: importing a dataset or a model asks for persistent storage and
 * the storage section reports the bytes; "Delete stored models" (shipped ones stay), "Delete imported
 * datasets" and "Delete training runs and benchmark history" (after a confirmation) empty their stores
 * and the page lists nothing after its reload; "Delete the offline copy" removes the service worker and
 * its cache, and later visits make none until "Keep an offline copy". Needs ../shared (the SVT LMDB and
 * the PaddleOCR ONNX); skipped without it.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import { collectErrors } from './console.ts';

test.use({ serviceWorkers: 'allow' });
test.describe.configure({ timeout: 300_000 });

declare global {
  interface Window {
    persistCalls?: number;
  }
}

async function ready(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready', { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-storage', 'ready');
}

async function offlineState(page: Page): Promise<{ caches: number; registrations: number }> {
  return page.evaluate(async () => ({
    caches: (await caches.keys()).filter((k) => k.startsWith('webstr-offline-')).length,
    registrations: (await navigator.serviceWorker.getRegistrations()).length,
  }));
}

/** Bytes in IndexedDB (Chromium's estimate breaks usage down; the offline copy fills the caches part). */
function idbUsage(page: Page): Promise<number> {
  return page.evaluate(async () => ((await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: { indexedDB?: number } }).usageDetails?.indexedDB ?? 0);
}

function historyCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const r = indexedDB.open('webstr-bench', 1);
        r.onsuccess = () => {
          const c = r.result.transaction('runs').objectStore('runs').count();
          c.onsuccess = () => {
            r.result.close();
            resolve(c.result);
          };
        };
        r.onerror = () => reject(r.error ?? new Error('open failed'));
      }),
  );
}

test('persistence is asked on import; datasets, runs and the offline copy can be freed', async ({ page }) => {
  test.skip(!haveLmdb('svt_647') || !haveSharedModel(), 'needs ../shared');
  const errors = collectErrors(page);
  // Count persist() calls (Chromium decides the grant by its own heuristics, so the call is what we check).
  await page.addInitScript(() => {
    window.persistCalls = 0;
    const persist = navigator.storage.persist.bind(navigator.storage);
    navigator.storage.persist = () => {
      window.persistCalls = (window.persistCalls ?? 0) + 1;
      return persist();
    };
  });
  page.on('dialog', (d) => void d.accept());
  await page.goto('bench.html?backend=wasm');
  await ready(page);
  await expect(page.getByTestId('storage-usage')).toContainText('not persistent');

  await page.getByTestId('dataset-name').fill('svt_647');
  await page.getByTestId('lmdb-file').setInputFiles(path.join(LMDB_DIR, 'svt_647', 'data.mdb'));
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done', { timeout: 60_000 });
  await expect(page.locator('body')).toHaveAttribute('data-datasets', '1');
  await expect.poll(() => page.evaluate(() => window.persistCalls)).toBe(1);
  // A model stored in this browser (the shared ONNX, converted): persistence asked again.
  await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
  await page.getByTestId('model-preset').selectOption('crnn-mv3-en');
  await page.getByTestId('model-import').click();
  await expect(page.locator('body')).toHaveAttribute('data-model-import', 'done', { timeout: 60_000 });
  const model = page.locator('[data-model="en_number_mobile_v2.0_rec_infer"]');
  await expect(model).toHaveCount(1);
  await expect.poll(() => page.evaluate(() => window.persistCalls)).toBe(2);
  const used = await idbUsage(page);
  expect(used).toBeGreaterThan(1e6);
  await expect(page.getByTestId('storage-usage')).not.toContainText('Uses 0 B');

  await Promise.all([page.waitForEvent('load'), page.getByTestId('delete-models').click()]);
  await ready(page);
  await expect(page.locator('[data-model="ppocr-v4"]')).toHaveCount(1);
  await expect(model).toHaveCount(0);

  await Promise.all([page.waitForEvent('load'), page.getByTestId('delete-datasets').click()]);
  await ready(page);
  await expect(page.locator('body')).toHaveAttribute('data-datasets', '0');

  // A record in the benchmark history (counted directly; the page never renders it).
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const r = indexedDB.open('webstr-bench', 1);
        r.onsuccess = () => {
          const tx = r.result.transaction('runs', 'readwrite');
          tx.objectStore('runs').add({ savedAt: new Date().toISOString(), seeded: true });
          tx.oncomplete = () => {
            r.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error ?? new Error('seed failed'));
        };
        r.onerror = () => reject(r.error ?? new Error('open failed'));
      }),
  );

  expect(await historyCount(page)).toBe(1);
  await Promise.all([page.waitForEvent('load'), page.getByTestId('delete-runs').click()]);
  await ready(page);
  await expect(page.locator('body')).toHaveAttribute('data-history', '0');
  expect(await historyCount(page)).toBe(0);
  expect(await idbUsage(page)).toBeLessThan(used / 4);

  // The offline copy: made on this visit, deleted on request, not made again until asked.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => offlineState(page)).toEqual({ caches: 1, registrations: 1 });
  await page.getByTestId('delete-offline').click();
  await expect(page.getByTestId('storage-status')).toHaveText('Deleted the offline copy.');
  expect(await offlineState(page)).toEqual({ caches: 0, registrations: 0 });
  await page.reload();
  await ready(page);
  expect(await offlineState(page)).toEqual({ caches: 0, registrations: 0 });
  await expect(page.getByTestId('offline-status')).toContainText('off (you deleted it)');
  await page.getByTestId('keep-offline').click();
  await expect(page.getByTestId('storage-status')).toHaveText('Offline copy made.', { timeout: 60_000 });
  expect(await offlineState(page)).toEqual({ caches: 1, registrations: 1 });
  expect(errors).toEqual([]);
});
