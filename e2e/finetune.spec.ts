/**
 * finetune.html as a person uses it: import a training split (svt_train_257) through the dataset panel and
 * the shared PaddleOCR ONNX as crnn-mv3-en, start a short fine-tune on wasm, watch the loss curve move,
 * reload mid-run: the run continues from its last checkpoint (step ≥ that checkpoint, not 0), finishes
 * with a before/after evaluation, and the exported model appears in the model list the bench page reads.
 * Needs ../shared (model + LMDB); skipped without it.
 */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';

const ready = haveSharedModel() && haveLmdb('svt_train_257');
const STEPS = Number(process.env.WEBSTR_E2E_TRAIN_STEPS ?? 12);
const BACKEND = process.env.WEBSTR_E2E_TRAIN_BACKEND ?? 'wasm';

test('fine-tune: start, curve moves, reload resumes from the checkpoint, finish, export is listed', async ({ page }) => {
  test.skip(!ready, 'needs ../shared');
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.goto(`finetune.html?backend=${BACKEND}`);
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await expect(page.locator('body')).toHaveAttribute('data-page', 'ready');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'idle');

  // A named error for a form that cannot run, before anything is set up.
  await page.getByTestId('base-model').selectOption('preset:crnn-mv3-en');
  await page.getByTestId('synthetic-ratio').fill('0');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status').getByTestId('error')).toHaveAttribute('data-error-name', 'RecipeFormError');
  await expect(page.getByTestId('train-datasets')).toBeFocused({ timeout: 5_000 });

  // Training split into IndexedDB through the dataset panel; the shared model into the tf.io model list.
  await page.getByTestId('dataset-name').fill('svt_train_257');
  await page.getByTestId('lmdb-file').setInputFiles(path.join(LMDB_DIR, 'svt_train_257', 'data.mdb'));
  await expect(page.locator('body')).toHaveAttribute('data-ingest', 'done', { timeout: 60_000 });
  await expect(page.locator('[data-train-dataset="svt_train_257"]')).toHaveCount(1);
  await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
  await page.getByTestId('model-import').click();
  await expect(page.locator('body')).toHaveAttribute('data-model-import', 'done', { timeout: 60_000 });

  // Recipe: the fine-tune preset, made small.
  await page.getByTestId('recipe-preset').selectOption('finetune-paddle');
  await expect(page.getByTestId('base-model')).toHaveValue(/^stored:indexeddb:\/\/webstr\/crnn-mv3-en\//);
  await expect(page.getByTestId('base-note')).toHaveText(/^This run starts from .* \(crnn-mv3-en, stored in this browser\) and fine-tunes its trained weights\.$/);
  await expect(page.getByTestId('base-note')).toHaveAttribute('data-warn', 'false');
  await page.locator('[data-train-dataset="svt_train_257"] input').check();
  await page.getByTestId('validation-set').selectOption({ label: 'svt_train_257 (257)' });
  await page.getByTestId('validation-limit').fill('8');
  await page.getByTestId('steps').fill(String(STEPS));
  await page.getByTestId('batch-size').fill('4');
  await page.getByTestId('warmup').fill('2');
  await page.getByTestId('eval-every').fill('0');
  await page.getByTestId('checkpoint-every').fill('3');
  await page.getByTestId('train-start').click();

  // Before-evaluation, then steps: the loss curve gets points and a checkpoint is written.
  await expect(page.getByTestId('eval-table').locator('tr[data-eval="before"]')).toHaveAttribute('data-accuracy', /\d/, { timeout: 60_000 });
  await expect.poll(() => page.evaluate(() => window.webstrTrain?.checkpointStep ?? 0), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  const checkpointStep = await page.evaluate(() => window.webstrTrain!.checkpointStep!);
  const runId = await page.evaluate(() => window.webstrTrain!.runId!);
  await expect(page.getByTestId('train-pause')).toBeEnabled();

  // Reload mid-run: the page re-attaches, the worker continues from the checkpoint.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await expect(page.getByTestId('resume-banner')).toHaveAttribute('data-step', /\d+/, { timeout: 30_000 });
  const resumedFrom = Number(await page.getByTestId('resume-banner').getAttribute('data-step'));
  expect(resumedFrom).toBeGreaterThanOrEqual(checkpointStep);
  expect(resumedFrom).toBeLessThan(STEPS);
  await expect(page.getByTestId('resume-banner')).toContainText(`Resumed from step ${resumedFrom}`);
  expect(await page.evaluate(() => window.webstrTrain!.runId)).toBe(runId);
  // The curve is back from the checkpoint's history at once, and goes on.
  expect(Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(resumedFrom);

  // Pause and resume from the keyboard.
  await page.getByTestId('train-pause').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'paused', { timeout: 60_000 });
  await page.getByTestId('train-resume').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'running');

  // Finish: after-evaluation, 100% progress.
  await expect(page.locator('body')).toHaveAttribute('data-train', 'done', { timeout: 150_000 });
  await expect(page.getByTestId('train-progress')).toHaveJSProperty('value', 1);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(STEPS));
  await expect(page.getByTestId('eval-table').locator('tr[data-eval="after"]')).toHaveAttribute('data-accuracy', /\d/);
  await expect(page.getByTestId('runs-table').locator(`tr[data-run-id="${runId}"]`)).toHaveAttribute('data-status', 'done');

  // Export into this browser's model list: the bench page lists it.
  await page.getByTestId('export-name').fill('svt-ft-e2e');
  await page.getByTestId('export-idb').click();
  await expect(page.getByTestId('export-status')).toHaveAttribute('data-exported', 'svt-ft-e2e');
  await expect(page.getByTestId('base-model').locator('option[value="stored:indexeddb://webstr/crnn-mv3-en/svt-ft-e2e"]')).toHaveCount(1);
  await page.goto('bench.html?backend=wasm');
  await expect(page.locator('[data-model="svt-ft-e2e"]')).toHaveCount(1, { timeout: 30_000 });
  expect(errors).toEqual([]);
});
