/**
 * `--shard i/n` and `--workers N` through the browser path (`npm run bench`: bench.html and its pool of
 * bench workers): two shard halves merge exactly to the whole, and a shard split over two workers is
 * the same shard as one worker evaluates. Small `--limit` to stay fast. Runs on the dist/ of `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import { mergeResults } from '../src/eval/metrics.ts';
import type { BenchReport } from '../src/eval/report.ts';

const ready = haveSharedModel() && haveLmdb('svt_647') && haveLmdb('ic15_2077');

test('npm run bench: --shard 1/2 + 2/2 merge to the whole; --shard with --workers 2 is the same shard', () => {
  test.skip(!ready, 'needs ../shared');
  test.setTimeout(300_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-shard-'));
  try {
    const common = ['--model', MV3_EN_ONNX, '--data', path.join(LMDB_DIR, 'svt_647'), path.join(LMDB_DIR, 'ic15_2077'), '--backend', 'wasm', '--limit', '30', '--batch-size', '8'];
    const bench = (name: string, extra: string[]): BenchReport => {
      const json = path.join(dir, `${name}.json`);
      const r = spawnSync(process.execPath, ['--import', './cli/register.mjs', 'scripts/bench.ts', '--skip-build', ...common, ...extra, '--json', json], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      return JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    };
    const whole = bench('whole', ['--workers', '2']);
    const halves = ['1/2', '2/2'].map((s) => bench(`half${s[0]}`, ['--shard', s, '--workers', '1']));
    const pooledHalf = bench('pooled-half', ['--shard', '1/2', '--workers', '2']);

    const counts = (ds: BenchReport['summary']['datasets']) => ds.map((d) => [d.dataset, d.samples, d.correct, d.correctCaseSensitive, d.nedSum.toFixed(9)]);
    expect(whole.run.workers).toBe(2);
    expect(whole.options.shard).toBeNull();
    expect(halves.map((h) => h.options.shard)).toEqual(['1/2', '2/2']);
    expect(halves.map((h) => h.summary.datasets.map((d) => d.samples))).toEqual([[15, 15], [15, 15]]);
    expect(counts(mergeResults(halves.flatMap((h) => h.summary.datasets)))).toEqual(counts(whole.summary.datasets));
    // The whole's failures are the halves' failures, in dataset then sample order.
    const order = ['svt_647', 'ic15_2077'];
    const fromHalves = halves.flatMap((h) => h.failures).sort((a, b) => order.indexOf(a.dataset) - order.indexOf(b.dataset) || a.index - b.index);
    const f = (list: BenchReport['failures']) => list.map((x) => ({ ...x, confidence: Number(x.confidence.toFixed(4)) }));
    expect(f(whole.failures)).toEqual(f(fromHalves));

    // --shard 1/2 over two workers: the same samples, counts and failures as one worker, still named 1/2.
    expect(pooledHalf.options.shard).toBe('1/2');
    expect(pooledHalf.run.workers).toBe(2);
    expect(counts(pooledHalf.summary.datasets)).toEqual(counts(halves[0]!.summary.datasets));
    expect(f(pooledHalf.failures)).toEqual(f(halves[0]!.failures));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('npm run bench refuses a bad --workers', () => {
  const r = spawnSync(process.execPath, ['--import', './cli/register.mjs', 'scripts/bench.ts', '--skip-build', '--model', 'x.onnx', '--data', 'y', '--workers', '0'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--workers: expected an integer in 1…16, got '0'/);
});
