/**
 * A bench worker killed mid-run (issue 18 item 4). The page's test hook makes the worker that reaches
 * sample k die: `close` (self.close(): no event reaches the page, only its liveness lock goes) and
 * `throw` (an uncaught error: an `error` event). The pool restarts it; sample k is a failure with
 * WorkerCrashedError and everything else is as in a run without the crash. Committed fixtures only: the
 * tiny LMDB and the real DTRB None-VGG-BiLSTM-CTC checkpoint (structure read from the file). The demo's
 * recognizer and the trainer are killed from inside (close() through Playwright, no hook): their pages
 * name the WorkerCrashedError and go on with a new worker.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { BenchRunResult } from '../workers/bench_api.ts';
import type { DirectRunOptions } from '../src/ui/bench_runner.ts';

const MODEL = 'src/models/fixtures/dtrb_none_vgg_bilstm_ctc.pth';
const DATA = 'src/data/fixtures/tiny.mdb';
const K = 23;

test('a bench worker that dies mid-run: WorkerCrashedError for its item, the rest of the run completes', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('bench.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'idle');
  await page.getByTestId('model-file').setInputFiles(MODEL);
  await page.getByTestId('data-files').setInputFiles(DATA);
  const run = (o: DirectRunOptions) => page.evaluate((opts) => window.webstrBench!.runDirect(opts), o);
  const base: DirectRunOptions = { names: ['tiny'], workers: 2, batchSize: 4, keepPredictions: true };
  const clean: BenchRunResult = await run(base);
  const cleanSet = clean.report.summary.datasets[0]!;
  expect(cleanSet.samples).toBe(40);
  expect(clean.crashes).toBeUndefined();

  for (const how of ['close', 'throw'] as const) {
    const r = await run({ ...base, testCrash: { dataset: 0, index: K, how } });
    // Its batches in flight crashed, then item K alone: two restarts, the second naming the item.
    expect(r.crashes?.map((c) => [c.dataset, c.index]), how).toEqual([[null, null], ['tiny', K]]);
    expect(r.crashes?.[1]?.error).toMatch(how === 'close' ? /^WorkerCrashedError: .*stopped without an error event/ : /^WorkerCrashedError: .*uncaught error: .*test hook/);
    const set = r.report.summary.datasets[0]!;
    expect(set.samples).toBe(40);
    const failed = r.report.failures.find((f) => f.index === K);
    expect(failed?.error).toMatch(/^WorkerCrashedError: worker 'bench-\d+' crashed: /);
    // Nothing else lost: every other prediction as in the clean run.
    expect(r.predictions?.filter((p) => p.index !== K)).toEqual(clean.predictions?.filter((p) => p.index !== K));
    expect(r.predictions?.find((p) => p.index === K)?.prediction).toBe('');
    expect(r.report.failures.filter((f) => f.index !== K)).toEqual(clean.report.failures.filter((f) => f.index !== K));
  }
  await expect(page.getByTestId('run-status')).toContainText(/2 worker crashes, restarted \(\d+ in flight, re-run one by one, tiny #23 failed\)/);

  // The restarted workers serve the next run.
  const again: BenchRunResult = await run(base);
  expect(again.predictions).toEqual(clean.predictions);
});

/** Closes the page's worker whose name starts with `label` from inside it, as a crash without an event would. */
async function killWorker(page: Page, label: string): Promise<void> {
  const all = page.workers();
  const names = await Promise.all(all.map((x) => x.evaluate(() => (self as unknown as { name: string }).name).catch(() => '')));
  const target = all[names.findIndex((n) => n.startsWith(`webstr-live:${label}#`))];
  if (target === undefined) throw new Error(`no live worker '${label}' among ${names.join(', ')}`);
  await target.evaluate(() => setTimeout(() => self.close(), 0));
}

test('demo: the recognizer worker dies → named notice, a new worker, the model again, recognition works', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('index.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  // A shipped model is loaded, so the import form starts folded: open it as a person would.
  if (!(await page.locator('#import-box').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('#import-box > summary').click();
  await page.getByTestId('model-file').setInputFiles('src/models/fixtures/dtrb_none_vgg_bilstm_ctc.pth');
  await expect(page.getByTestId('preset-select')).toBeEnabled();
  await page.getByTestId('model-import').click();
  await expect(page.getByTestId('model-select')).toHaveValue(/dtrb_none_vgg_bilstm_ctc/, { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await killWorker(page, 'recognizer');
  await expect(page.getByTestId('notice')).toContainText("WorkerCrashedError: worker 'recognizer' crashed: it stopped without an error event");
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  const f = JSON.parse(readFileSync('src/models/fixtures/dtrb_none_vgg_bilstm_ctc.json', 'utf8')) as { crops: { image: string }[]; predictions: string[] };
  await page.getByTestId('image-files').setInputFiles([{ name: 'c0.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(f.crops[0]!.image, 'base64') }]);
  await expect(page.locator('[data-testid=result][data-file="c0.jpg"]')).toHaveAttribute('data-text', f.predictions[0]!, { timeout: 60_000 });
});

test('fine-tune: the trainer worker dies mid-run → WorkerCrashedError on the run, the page goes on with a new worker', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('finetune.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-page', 'ready');
  await page.getByTestId('recipe-preset').selectOption('tiny-synthetic');
  await page.getByTestId('steps').fill('400');
  await page.getByTestId('train-start').click();
  await expect(page.locator('body')).toHaveAttribute('data-train', 'running', { timeout: 120_000 });
  await killWorker(page, 'trainer');
  await expect(page.getByTestId('train-status').getByTestId('error')).toHaveAttribute('data-error-name', 'WorkerCrashedError', { timeout: 60_000 });
  await expect(page.locator('body')).toHaveAttribute('data-train', 'failed');
  // The restarted worker answers (the runs table is listed from it).
  await expect(page.getByTestId('train-start')).toBeEnabled();
});
