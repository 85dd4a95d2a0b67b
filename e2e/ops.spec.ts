import { expect, test } from '@playwright/test';

// The custom ops of issue 3 (gridSample, tpsGrid, spinColor) on webgpu in Chromium (SwiftShader here):
// every forward and backward check against the PyTorch fixtures, including the non-finite grid cases;
// and the fused recurrent kernels of issue 16 (biLstmSequence, attentionDecode) against their
// TypeScript twins on random inputs (src/ops/checks.ts).
test('webgpu: gridSample, tpsGrid and spinColor match PyTorch forward and backward; the fused recurrent kernels their twins', async ({ page }) => {
  // Every check on SwiftShader, on a machine shared with training runs: allow minutes.
  test.setTimeout(300_000);
  await page.goto('selftest.html?backend=webgpu');
  await expect(page.locator('body')).toHaveAttribute('data-selftest', /pass|fail|error/, { timeout: 290_000 });
  const result = await page.evaluate(() => window.webstrSelftest);
  expect(result?.backend).toBe('webgpu');
  const results = result?.results ?? [];
  for (const op of ['gridSample', 'tpsGrid', 'spinColor']) {
    for (const direction of ['forward', 'backward']) {
      expect(results.filter((r) => r.op === op && r.direction === direction).length, `${op} ${direction}`).toBeGreaterThan(0);
    }
  }
  expect(results.filter((r) => r.op === 'gridSample' && r.name.startsWith('nonfinite')).length).toBe(12);
  expect(results.filter((r) => r.op === 'biLstmSequence').length).toBe(4);
  expect(results.filter((r) => r.op === 'attentionDecode').length).toBe(4);
  expect(results.filter((r) => !r.pass)).toEqual([]);
});
