/**
 * CI accuracy gate, through the browser path (bench.html → bench worker) on wasm: the shared PaddleOCR
 * model on iiit5k_3000, svt_647 and ic15_2077, every sample scored (filtering off, as the onnxruntime
 * reference), must stay within 0.5 points of onnxruntime (78.6 / 74.5 / 43.5; src/eval/published.ts).
 * And 50 crops on webgpu (SwiftShader here) must read exactly as on wasm. Needs ../shared.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { collectErrors } from './console.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import type { DirectRunOptions } from '../src/ui/bench_runner.ts';
import type { BenchRunResult } from '../workers/bench_api.ts';

const SETS = ['iiit5k_3000', 'svt_647', 'ic15_2077'];
const ready = haveSharedModel() && SETS.every(haveLmdb);

async function run(page: Page, backend: string, sets: string[], options: DirectRunOptions): Promise<BenchRunResult> {
  await page.goto(`bench.html?backend=${backend}`);
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'idle', { timeout: 60_000 });
  await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
  await page.getByTestId('data-files').setInputFiles(sets.map((s) => path.join(LMDB_DIR, s, 'data.mdb')));
  return page.evaluate((o) => window.webstrBench!.runDirect(o), { ...options, backend, names: sets });
}

test.describe('accuracy gate (browser path)', () => {
  test.skip(!ready, 'needs ../shared');

  test('wasm: all 5,724 test crops within 0.5 points of onnxruntime', async ({ page }) => {
    test.setTimeout(540_000);
    const errors = collectErrors(page);
    const t0 = Date.now();
    const { report } = await run(page, 'wasm', SETS, { filtering: 'off' });
    const seconds = (Date.now() - t0) / 1000;
    // The page's default pool (one worker per core up to 4) evaluates: the merged report must pass the same gate.
    console.log(`bench accuracy (wasm, ${report.run.workers ?? 1} worker(s), ${seconds.toFixed(0)} s): ${report.summary.datasets.map((d) => `${d.dataset} ${d.samples} ${d.accuracy.toFixed(2)} (ref ${report.references[d.dataset]}) ${d.wordsPerSecond.toFixed(1)} w/s`).join('; ')}`);
    expect(report.run.backend).toBe('wasm');
    expect(report.summary.datasets.map((d) => d.samples)).toEqual([3000, 647, 2077]);
    for (const d of report.summary.datasets) {
      const ref = report.references[d.dataset];
      expect(ref, d.dataset).toBeDefined();
      expect(d.accuracy, `${d.dataset}: ${d.accuracy.toFixed(2)} vs onnxruntime ${ref}`).toBeGreaterThanOrEqual(ref! - 0.5);
    }
    expect(errors).toEqual([]);
  });

  test('webgpu (SwiftShader) reads 50 crops exactly as wasm', async ({ page }) => {
    test.setTimeout(300_000);
    const gpu = await run(page, 'webgpu', ['iiit5k_3000'], { limit: 50, keepPredictions: true, batchSize: 50 });
    expect(gpu.report.run.backend).toBe('webgpu');
    const cpu = await run(page, 'wasm', ['iiit5k_3000'], { limit: 50, keepPredictions: true, batchSize: 50 });
    expect(cpu.predictions).toHaveLength(50);
    expect(gpu.predictions).toEqual(cpu.predictions);
  });
});
