/**
 * A lost WebGPU device during training (issue 18 item 8): the trainer worker's device is destroyed mid-run
 * (as a driver reset would); the run goes back to its last checkpoint on wasm, says so, and finishes every
 * step. Tiny model, synthetic words only: needs nothing from ../shared.
 */
import { expect, test } from '@playwright/test';
import { SYNTH_VALIDATION } from '../src/train/recipe.ts';
import { tinyRecipe } from '../src/train/tiny.ts';

// SwiftShader (no GPU here) trains ~50× slower than wasm: a few small steps on webgpu, the rest on wasm.
const STEPS = 6;

test('device loss while training: back to the last checkpoint on wasm, the run finishes', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('finetune.html?backend=webgpu');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', /ready|error/);
  test.skip((await page.locator('body').getAttribute('data-runtime')) !== 'ready', 'no WebGPU in this browser');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'idle');

  const { preset: _p, init: _i, ...settings } = tinyRecipe(STEPS, 2);
  const recipe = { ...settings, checkpointEvery: 1, validation: { dataset: SYNTH_VALIDATION, limit: 4 } };
  await page.evaluate((r) => window.webstrTrain!.start({ base: { kind: 'preset', preset: 'crnn-tiny' }, recipe: r }), recipe);
  await expect.poll(() => page.evaluate(() => window.webstrTrain?.checkpointStep ?? 0), { timeout: 400_000 }).toBeGreaterThanOrEqual(1);

  await page.evaluate(() => window.webstrTrain!.simulateDeviceLoss());
  await expect(page.getByTestId('train-notice')).toContainText(/WebGPU device lost \(destroyed\).*the run went on on wasm from step \d+/, { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-train', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(STEPS));
  const losses = await page.evaluate(() => window.webstrTrain!.losses);
  expect(losses.every((l) => Number.isFinite(l))).toBe(true);
  await expect(page.getByTestId('eval-table').locator('tr[data-eval="after"]')).toHaveAttribute('data-accuracy', /\d/);
  expect(await page.evaluate(() => window.webstrTrain!.error)).toBeNull();
});
