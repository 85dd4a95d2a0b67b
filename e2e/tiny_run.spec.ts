/**
 * The tiny end-to-end run in Chromium (issue 9; the Node twin is src/train/tiny_run.test.ts): on
 * finetune.html, the "tiny from scratch on synthetic" recipe trains `crnn-tiny` from scratch in the
 * trainer worker (wasm) on synthetic words of a 20-word vocabulary rendered there (OffscreenCanvas,
 * @fontsource faces), with DTRB's Adadelta, checkpoints in IndexedDB and validation on held-out
 * synthetic words. The loss must fall and the after-evaluation reach TINY_BAR. Needs nothing from ../shared.
 */
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';
import { TINY_BAR, TINY_BATCH, TINY_STEPS } from '../src/train/tiny.ts';

const BACKEND = process.env.WEBSTR_E2E_TRAIN_BACKEND ?? 'wasm';

test(`tiny run in the tab: crnn-tiny from scratch, loss falls, held-out accuracy ≥ ${TINY_BAR}%`, async ({ page }) => {
  test.setTimeout(25 * 60_000);
  const errors = collectErrors(page);
  await page.goto(`finetune.html?backend=${BACKEND}`);
  await expect(page.locator('body')).toHaveAttribute('data-page', 'ready');
  await page.getByTestId('recipe-preset').selectOption('tiny-synthetic');
  // The recipe preset fills in the same recipe as the Node run.
  await expect(page.getByTestId('base-model')).toHaveValue('preset:crnn-tiny');
  await expect(page.getByTestId('synthetic-ratio')).toHaveValue('1');
  await expect(page.getByTestId('validation-set')).toHaveValue('synthetic:held-out');
  await expect(page.getByTestId('steps')).toHaveValue(String(TINY_STEPS));
  await expect(page.getByTestId('batch-size')).toHaveValue(String(TINY_BATCH));
  await expect(page.getByTestId('optimizer')).toHaveValue('adadelta');
  await expect(page.getByTestId('schedule')).toHaveValue('constant');

  const t0 = Date.now();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('eval-table').locator('tr[data-eval="before"] td').nth(1)).toHaveText('held-out synthetic words', { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-train', 'done', { timeout: 22 * 60_000 });
  const seconds = (Date.now() - t0) / 1000;

  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(TINY_STEPS));
  const losses = await page.evaluate(() => window.webstrTrain!.losses);
  expect(losses).toHaveLength(TINY_STEPS);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, 10));
  const last = mean(losses.slice(-10));
  const evaluations = await page.evaluate(() => window.webstrTrain!.evaluations);
  const before = evaluations.find((e) => e.label === 'before')!;
  const after = evaluations.find((e) => e.label === 'after')!;
  const periodic = evaluations.filter((e) => e.label === 'step').map((e) => `${e.step}: ${e.accuracy.toFixed(1)}%`);
  console.log(
    `tiny run in Chromium (${BACKEND}): ${TINY_STEPS} steps × ${TINY_BATCH} in ${seconds.toFixed(0)} s (incl. evaluations), loss ${first.toFixed(3)} → ${last.toFixed(3)}, ` +
      `held-out accuracy ${before.accuracy.toFixed(1)}% → ${after.accuracy.toFixed(1)}% (${after.samples} words; periodic ${periodic.join(', ')})`,
  );
  expect(last).toBeLessThan(first / 2);
  expect(after.samples).toBe(200);
  expect(after.accuracy).toBeGreaterThanOrEqual(TINY_BAR);
  await expect(page.getByTestId('runs-table').locator('tr[data-status="done"]')).toHaveCount(1);
  expect(errors).toEqual([]);
});
