/**
 * A bench worker killed mid-run (issue 18 item 4). The page's test hook makes the worker that reaches
 * sample k die: `close` (self.close(): no event reaches the page, only its liveness lock goes) and
 * `throw` (an uncaught error: an `error` event). The pool restarts it; sample k is a failure with
 * WorkerCrashedError and everything else is as in a run without the crash. Committed fixtures only: the
 * tiny LMDB and the real DTRB None-VGG-BiLSTM-CTC checkpoint (structure read from the file).
 */
import { expect, test } from '@playwright/test';
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
