/**
 * The zoo's trained models in the browser (issue 17): for each shipped model trained by webstr
 * (registry.ts, origin 'repo'), the bench page evaluates the first `gate.limit` crops of each shared test
 * set on wasm and must match what `webstr eval --limit` measured in Node (registry `gate.accuracy`, within
 * one point: browser and Node decode JPEGs with different decoders), and the demo reads the bundled sample
 * crops the model reads in Node, showing the rectified image for models with a transform. A regression in
 * a kernel or a weight file fails here. Needs ../shared for the accuracy part.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';
import { LMDB_DIR, haveLmdb } from '../src/testing/shared.ts';
import { SHIPPED_MODELS, shippedModelPath } from '../src/recognize/registry.ts';

const SETS = ['iiit5k_3000', 'svt_647', 'ic15_2077'] as const;
const ZOO = SHIPPED_MODELS.filter((m) => m.origin === 'repo');

test.describe.configure({ timeout: 600_000 });

test('the registry lists every committed zoo model with its gate, and every listed one is committed', () => {
  for (const m of ZOO) {
    expect(existsSync(path.join('public', shippedModelPath(m.name))), m.name).toBe(true);
    expect(m.gate, m.name).toBeDefined();
    expect(m.accuracy, m.name).toBeDefined();
  }
});

for (const m of ZOO) {
  test(`${m.name}: the bench page in Chromium (wasm) matches webstr eval on the first ${m.gate?.limit ?? 0} crops of each test set`, async ({ page }) => {
    test.skip(!SETS.every(haveLmdb), 'needs ../shared');
    const gate = m.gate!;
    const errors = collectErrors(page);
    await page.goto('bench.html?backend=wasm');
    await expect(page.locator('body')).toHaveAttribute('data-bench', 'idle', { timeout: 60_000 });
    await page.getByTestId('data-files').setInputFiles(SETS.map((s) => path.join(LMDB_DIR, s, 'data.mdb')));
    const { report } = await page.evaluate(
      (o) => window.webstrBench!.runDirect(o),
      { model: m.name, backend: 'wasm', names: [...SETS], limit: gate.limit, filtering: 'off' as const },
    );
    console.log(`${m.name} in Chromium: ${report.summary.datasets.map((d) => `${d.dataset} ${d.accuracy.toFixed(2)} (Node ${gate.accuracy[d.dataset as (typeof SETS)[number]]})`).join('; ')}`);
    expect(report.summary.datasets.map((d) => d.samples)).toEqual(SETS.map(() => gate.limit));
    for (const d of report.summary.datasets) {
      const want = gate.accuracy[d.dataset as (typeof SETS)[number]];
      expect(Math.abs(d.accuracy - want), `${m.name} ${d.dataset}: ${d.accuracy.toFixed(2)} in Chromium vs ${want} in Node`).toBeLessThanOrEqual(1.0);
    }
    expect(errors).toEqual([]);
  });

  test(`${m.name}: the demo reads the bundled samples by name${m.preset.startsWith('crnn') ? '' : ' and shows the rectified image'}`, async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto(`index.html?backend=wasm&model=${m.name}`);
    await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
    await expect(page.getByTestId('model-select')).toHaveValue(`shipped:${m.name}`);
    for (const [file, word] of Object.entries(m.gate!.samples)) {
      const before = await page.getByTestId('result').count();
      await page.locator(`[data-testid=sample][data-sample="${file}"]`).click();
      await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 120_000 });
      await expect(page.locator('body')).toHaveAttribute('data-busy', 'false');
      const card = page.getByTestId('result').nth(before);
      expect(await card.getAttribute('data-text'), `${m.name} ${file}`).toBe(word);
      if (!m.preset.startsWith('crnn')) await expect(card.getByTestId('result-rectified')).toBeVisible();
    }
    expect(errors).toEqual([]);
  });
}
