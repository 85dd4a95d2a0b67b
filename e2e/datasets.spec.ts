import path from 'node:path';
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';
import { LMDB_DIR } from '../src/testing/shared.ts';

const IC15 = path.join(LMDB_DIR, 'ic15_2077', 'data.mdb');

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

test('a shard folder served over HTTP imports with its CRCs checked', async ({ page, context }) => {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { openFileByteSource } = await import('../src/data/node_source.ts');
  const { openDtrbDataset } = await import('../src/data/dtrb.ts');
  const { writeShardDir } = await import('../src/data/node_shards.ts');
  const dir = await mkdtemp(path.join(tmpdir(), 'webstr-e2e-shards-'));
  try {
    const src = await openFileByteSource(path.join(LMDB_DIR, 'svt_647', 'data.mdb'));
    await writeShardDir(await openDtrbDataset(src), dir, { name: 'svt_647', source: { kind: 'lmdb', name: 'svt_647', bytes: src.size }, samplesPerShard: 200 });
    await src.close();
    await context.route('**/served-shards/svt/*', async (route) => {
      const file = path.join(dir, new URL(route.request().url()).pathname.split('/').pop()!);
      try {
        await route.fulfill({ body: await readFile(file), headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } });
      } catch {
        await route.fulfill({ status: 404, body: 'missing' });
      }
    });
    await page.goto('bench.html');
    await expect(page.locator('body')).toHaveAttribute('data-ingest', 'idle');
    await page.getByTestId('shard-url').fill('served-shards/svt/');
    await page.getByTestId('shard-import').click();
    await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done');
    await expect(page.locator('[data-dataset="svt_647"]')).toHaveAttribute('data-samples', '647');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an LMDB folder picked with the folder input imports its data.mdb, named after the folder', async ({ page }) => {
  await page.goto('bench.html');
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'idle');
  await page.getByTestId('lmdb-folder').setInputFiles(path.join(LMDB_DIR, 'svt_train_257'));
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done');
  await expect(page.locator('[data-dataset="svt_train_257"]')).toHaveAttribute('data-samples', '257');
});

test('cancel stops an import, keeps it resumable, and Discard removes it', async ({ page }) => {
  await page.goto('bench.html?spp=100&throttleMs=150');
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'idle');
  await page.getByTestId('dataset-name').fill('ic15_2077');
  await page.getByTestId('lmdb-file').setInputFiles(IC15);
  await expect.poll(async () => Number(await page.getByTestId('ingest-status').getAttribute('data-shards'))).toBeGreaterThanOrEqual(2);
  await page.getByTestId('ingest-cancel').click();
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'cancelled');
  await expect(page.getByTestId('ingest-status').getByTestId('error')).toHaveAttribute('data-error-name', 'ImportCancelledError');
  await expect(page.locator('body')).toHaveAttribute('data-datasets', '0');
  await expect(page.locator('[data-pending="ic15_2077"]')).toHaveCount(1);
  await page.locator('[data-pending="ic15_2077"]').getByRole('button', { name: 'Discard' }).click();
  await expect(page.locator('[data-pending]')).toHaveCount(0);
});

test('a data.mdb dropped on the drop zone imports', async ({ page }) => {
  const { readFile } = await import('node:fs/promises');
  const b64 = (await readFile(path.join(LMDB_DIR, 'svt_train_257', 'data.mdb'))).toString('base64');
  await page.goto('bench.html');
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'idle');
  await page.getByTestId('dataset-name').fill('svt_train_257');
  const dt = await page.evaluateHandle((data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const t = new DataTransfer();
    t.items.add(new File([bytes], 'data.mdb'));
    return t;
  }, b64);
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dt });
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done');
  await expect(page.locator('[data-dataset="svt_train_257"]')).toHaveAttribute('data-samples', '257');
});
