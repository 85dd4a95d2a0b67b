import path from 'node:path';
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';

const SHARED = process.env.WEBSTR_SHARED ?? path.resolve(import.meta.dirname, '..', '..', 'shared');
const IC15 = path.join(SHARED, 'data', 'lmdb', 'ic15_2077', 'data.mdb');

test('ic15_2077 imports from the file, survives a reload in the middle, and has exactly 2077 samples', async ({ page }) => {
  const errors = collectErrors(page);
  // 100 samples per shard and a pause per shard, so the reload lands mid-import.
  await page.goto('bench.html?spp=100&throttleMs=150');
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'idle');
  await page.getByTestId('dataset-name').fill('ic15_2077');
  await page.getByTestId('lmdb-file').setInputFiles(IC15);
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'running');
  await expect.poll(async () => Number(await page.getByTestId('ingest-status').getAttribute('data-shards'))).toBeGreaterThanOrEqual(4);
  await page.reload();
  // Half an import: not listed as a dataset, listed as unfinished.
  await expect(page.locator('body')).toHaveAttribute('data-datasets', '0');
  await expect(page.locator('[data-pending="ic15_2077"]')).toHaveCount(1);
  await page.getByTestId('dataset-name').fill('ic15_2077');
  await page.getByTestId('lmdb-file').setInputFiles(IC15);
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done', { timeout: 90_000 });
  const result = await page.evaluate(() => window.webstrIngest?.result);
  expect(result?.manifest.sampleCount).toBe(2077);
  expect(result?.resumedFromShard).toBeGreaterThanOrEqual(4);
  expect(result?.manifest.shards.length).toBe(21);
  await expect(page.locator('[data-dataset="ic15_2077"]')).toHaveAttribute('data-samples', '2077');
  await expect(page.locator('[data-pending]')).toHaveCount(0);
  // Inspect: the gallery shows the first samples as images.
  await page.locator('[data-dataset="ic15_2077"]').getByRole('button', { name: 'Inspect' }).click();
  await expect(page.getByTestId('gallery').locator('img')).toHaveCount(24);
  expect(await page.getByTestId('gallery').locator('img').first().evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth > 0))).toBe(true);
  // Delete.
  await page.locator('[data-dataset="ic15_2077"]').getByRole('button', { name: 'Delete' }).click();
  await expect(page.locator('body')).toHaveAttribute('data-datasets', '0');
  expect(errors).toEqual([]);
});

for (const mode of ['refused up front', 'QuotaExceededError mid-import']) {
  test(`a quota too small: ${mode}, and no dataset is left listed`, async ({ page, baseURL }) => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 8 * 1024 * 1024 });
    await page.goto(`bench.html?spp=200${mode === 'refused up front' ? '' : '&skipQuota=1'}`);
    await expect(page.locator('body')).toHaveAttribute('data-ingest', 'idle');
    await page.getByTestId('lmdb-file').setInputFiles(IC15);
    await expect(page.locator('body')).toHaveAttribute('data-ingest', 'error', { timeout: 90_000 });
    await expect(page.getByTestId('ingest-status').getByTestId('error')).toHaveAttribute('data-error-name', 'QuotaExceededImportError');
    if (mode !== 'refused up front') await expect(page.getByTestId('ingest-status')).toContainText('partial import was removed');
    await expect(page.locator('body')).toHaveAttribute('data-datasets', '0');
    await expect(page.locator('[data-pending]')).toHaveCount(0);
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-datasets', '0');
    await expect(page.locator('[data-pending]')).toHaveCount(0);
  });
}
