/**
 * bench.html as a person uses it: import an LMDB, import the shared ONNX as crnn-mv3-en, run it in the
 * bench worker, read the table, open the failure gallery, export CSV (content checked), reload and find
 * the run in the history. Needs ../shared (model + SVT LMDB); skipped without it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';

const ready = haveSharedModel() && haveLmdb('svt_647');

test('import an LMDB and the model, run, table, failures, CSV export, history after reload', async ({ page }) => {
  test.skip(!ready, 'needs ../shared');
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.goto('bench.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'idle');
  await expect(page.locator('body')).toHaveAttribute('data-history', '0');
  // The chart shows its axes before any run.
  await expect(page.getByTestId('chart')).toBeVisible();
  await expect(page.getByTestId('chart')).toContainText('no runs yet');

  // Dataset into IndexedDB through the dataset panel.
  await page.getByTestId('dataset-name').fill('svt_647');
  await page.getByTestId('lmdb-file').setInputFiles(path.join(LMDB_DIR, 'svt_647', 'data.mdb'));
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done', { timeout: 60_000 });
  await expect(page.locator('[data-run-dataset="svt_647"]')).toHaveCount(1);

  // Model: the shared ONNX, converted as crnn-mv3-en and stored in IndexedDB.
  await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
  await page.getByTestId('model-preset').selectOption('crnn-mv3-en');
  await page.getByTestId('model-import').click();
  await expect(page.locator('body')).toHaveAttribute('data-model-import', 'done', { timeout: 60_000 });
  await expect(page.locator('[data-model="en_number_mobile_v2.0_rec_infer"] input')).toBeChecked();

  // Run 60 samples.
  await page.locator('[data-run-dataset="svt_647"] input').check();
  await page.getByTestId('run-limit').fill('60');
  await page.getByTestId('run-start').click();
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('run-progress')).toHaveJSProperty('value', 1);

  // Table: per dataset and both totals, labelled; the reference beside ours.
  const row = page.getByTestId('result-table').locator('tr[data-dataset="svt_647"]');
  await expect(row.locator('td').nth(1)).toHaveText('60');
  const accuracy = Number(await row.getAttribute('data-accuracy'));
  expect(accuracy).toBeGreaterThan(55);
  // 60 of 647 samples: the full-set reference is shown, not used to judge the row red or green.
  await expect(row.locator('td').nth(7)).toHaveText('74.50 (full set)');
  await expect(row).toHaveClass('partial');
  await expect(page.getByTestId('result-table')).toContainText('total (sample-weighted, as DTRB)');
  await expect(page.getByTestId('result-table')).toContainText('mean (unweighted, as MindOCR)');
  await expect(page.getByTestId('chart').locator('rect[data-dataset="svt_647"]')).toHaveAttribute('data-accuracy', accuracy.toFixed(2));
  // Sized to its labels: every text (dataset names, legend, reference note) lies inside the chart.
  const clipped = await page.getByTestId('chart').evaluate((s: SVGSVGElement) => {
    const w = s.viewBox.baseVal.width;
    return [...s.querySelectorAll('text')].filter((t) => t.getBBox().x < 0 || t.getBBox().x + t.getBBox().width > w).map((t) => t.textContent);
  });
  expect(clipped).toEqual([]);
  await page.getByTestId('chart').screenshot({ path: path.join('test-results', 'pages', 'bench-chart.png') });

  // Failure gallery, filtered by dataset.
  const wrong = Math.round(60 - (accuracy * 60) / 100);
  await page.getByTestId('failure-filter').selectOption('svt_647');
  await expect(page.getByTestId('failure')).toHaveCount(wrong);
  expect(await page.getByTestId('failure').first().locator('img').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth > 0))).toBe(true);
  await expect(page.getByTestId('failure').first()).toContainText('label');

  // CSV export.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toBe('webstr-eval.csv');
  const csv = readFileSync((await download.path()), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('model,backend,dataset,samples,filtered,accuracy,accuracy_case_sensitive,one_minus_ned,words_per_second,reference');
  expect(csv[1]).toMatch(new RegExp(`^en_number_mobile_v2\\.0_rec_infer,wasm,svt_647,60,0,${accuracy.toFixed(2).replace('.', '\\.')},`));
  expect(csv[1]!.endsWith(',74.5')).toBe(true);
  expect(csv[2]).toMatch(/^en_number_mobile_v2\.0_rec_infer,wasm,"total \(sample-weighted, as DTRB\)",60,/);

  // History survives a reload.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-history', '1');
  const run = page.getByTestId('history').locator('tr[data-run-id]');
  await expect(run).toHaveAttribute('data-model', 'en_number_mobile_v2.0_rec_infer');
  await run.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByTestId('result-table').locator('tr[data-dataset="svt_647"]')).toHaveAttribute('data-accuracy', accuracy.toFixed(2));
  await expect(page.getByTestId('failure')).toHaveCount(wrong);

  // A run can be cancelled; it leaves no history entry. The cancel goes in as soon as the run starts: since the
  // JPEG crops decode in wasm, SVT's 647 crops read in about a second once the model is up, and waiting for the
  // first progress report let the run finish before the cancel landed (a cancel during the run's last batch
  // still ends it 'done').
  await page.locator('[data-run-dataset="svt_647"] input').check();
  await page.getByTestId('run-batch').fill('1');
  await page.getByTestId('run-start').click();
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'running');
  await page.getByTestId('run-cancel').click();
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'cancelled');
  await expect(page.getByTestId('run-status').getByTestId('error')).toHaveAttribute('data-error-name', 'AbortError');
  await expect(page.locator('body')).toHaveAttribute('data-history', '1');
  expect(errors).toEqual([]);
});
