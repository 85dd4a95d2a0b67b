/**
 * `npm run perf -- eval [--limit N] [--batch 64] [--json]`: the full evaluation in the tab, on wasm,
 * through bench.html and the bench worker: LMDB read in place (File.slice) → decode → preprocess →
 * model → CTC → metrics, on iiit5k_3000 + svt_647 + ic15_2077 (5,724 crops, every sample scored).
 * Reports words/s per dataset and overall and the wall time. Target on the 2-core CI machine: < 60 s.
 * WEBSTR_SKIP_BUILD=1 reuses dist/.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBrowserSession } from '../lib/browser.ts';
import { LMDB_DIR, MV3_EN_ONNX } from '../../src/testing/shared.ts';
import type { DirectRunOptions } from '../../src/ui/bench_runner.ts';
import { printTable, type PerfContext } from './common.ts';

const SETS = ['iiit5k_3000', 'svt_647', 'ic15_2077'];

export async function evalSuite(ctx: PerfContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: { limit: { type: 'string' }, batch: { type: 'string', default: '64' }, json: { type: 'boolean', default: false } } });
  const backend = ctx.backends[0] ?? 'wasm';
  const session = await startBrowserSession({ skipBuild: process.env.WEBSTR_SKIP_BUILD === '1' });
  try {
    const page = await session.open(`bench.html?backend=${backend}`);
    await page.waitForFunction(() => document.body.dataset.bench === 'idle', undefined, { timeout: 120_000 });
    await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
    await page.getByTestId('data-files').setInputFiles(SETS.map((s) => path.join(LMDB_DIR, s, 'data.mdb')));
    const opts: DirectRunOptions = { backend, names: SETS, filtering: 'off', batchSize: Number(values.batch), limit: values.limit === undefined ? undefined : Number(values.limit) };
    const t0 = performance.now();
    const { report } = await page.evaluate((o) => window.webstrBench!.runDirect(o), opts);
    const wall = (performance.now() - t0) / 1000;
    const n = report.summary.weighted.samples;
    const evalSeconds = report.summary.datasets.reduce((a, d) => a + d.seconds, 0);
    console.log(`eval in the tab: backend ${report.run.backend}, crnn-mv3-en, batch ${values.batch}`);
    printTable(
      ['dataset', 'samples', 'accuracy', 'seconds', 'words/s'],
      [
        ...report.summary.datasets.map((d) => [d.dataset, String(d.samples), d.accuracy.toFixed(2), d.seconds.toFixed(1), d.wordsPerSecond.toFixed(1)]),
        ['all (evaluation)', String(n), report.summary.weighted.accuracy.toFixed(2), evalSeconds.toFixed(1), (n / evalSeconds).toFixed(1)],
        ['all (wall, incl. model load)', String(n), '', wall.toFixed(1), (n / wall).toFixed(1)],
      ],
    );
    console.log(`target: 5,724 crops in < 60 s → ${wall < 60 ? 'met' : 'NOT met'} (${wall.toFixed(1)} s wall)`);
    if (values.json) console.log(JSON.stringify({ backend: report.run.backend, samples: n, wallSeconds: wall, evalSeconds, wordsPerSecond: n / evalSeconds, datasets: report.summary.datasets }));
    return 0;
  } finally {
    await session.close();
  }
}
