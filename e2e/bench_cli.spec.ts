/**
 * `npm run bench` (headless Chromium through bench.html) and `webstr eval` (Node) print the same table
 * for the same model and data, and write the same report. Runs the script on the dist/ of `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import type { BenchReport } from '../src/eval/report.ts';

const ready = haveSharedModel() && haveLmdb('svt_647') && haveLmdb('ic15_2077');

test('npm run bench and webstr eval agree (table and JSON)', () => {
  test.skip(!ready, 'needs ../shared');
  test.setTimeout(240_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-bench-'));
  try {
    const common = ['--model', MV3_EN_ONNX, '--data', path.join(LMDB_DIR, 'svt_647'), path.join(LMDB_DIR, 'ic15_2077'), '--backend', 'wasm', '--limit', '40'];
    const run = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 200_000 });
    const browser = run(['--import', './cli/register.mjs', 'scripts/bench.ts', '--skip-build', ...common, '--json', path.join(dir, 'b.json')]);
    expect(browser.status, browser.stderr).toBe(0);
    const node = run(['cli/webstr.mjs', 'eval', ...common, '--json', path.join(dir, 'n.json')]);
    expect(node.status, node.stderr).toBe(0);
    // The table without the words/s column (timing) and the first line (runtime) must be identical.
    const table = (out: string) =>
      out
        .split('\n')
        .filter((l) => /^(svt_647|ic15_2077|total|mean) /.test(l))
        .map((l) => l.replace(/\s+[\d.]+$/, (m) => (l.startsWith('total') || l.startsWith('mean') ? m : ''))); // drop words/s of dataset rows
    expect(table(browser.stdout)).toHaveLength(4);
    expect(table(browser.stdout)).toEqual(table(node.stdout));
    const b = JSON.parse(readFileSync(path.join(dir, 'b.json'), 'utf8')) as BenchReport;
    const n = JSON.parse(readFileSync(path.join(dir, 'n.json'), 'utf8')) as BenchReport;
    expect(b.run.runtime).toBe('browser');
    expect(n.run.runtime).toBe('node');
    const strip = (r: BenchReport) => r.summary.datasets.map(({ seconds: _s, wordsPerSecond: _w, ...d }) => d);
    expect(strip(b)).toEqual(strip(n));
    const f = (r: BenchReport) => r.failures.map((x) => ({ ...x, confidence: Number(x.confidence.toFixed(4)) }));
    expect(f(b)).toEqual(f(n));
  } finally {
    rmSync(dir, { recursive: true });
  }
});
