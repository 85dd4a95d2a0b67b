/** `webstr eval` contract (README.md): per-dataset table, JSON, --min-accuracy fails the run, --shard merges exactly. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import { mergeResults } from '../src/eval/metrics.ts';
import type { BenchReport } from '../src/eval/report.ts';

const ready = haveSharedModel() && haveLmdb('svt_647') && haveLmdb('iiit5k_3000');
const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-eval-'));
afterAll(() => rmSync(dir, { recursive: true }));

function webstr(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/webstr.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const data = [path.join(LMDB_DIR, 'svt_647'), path.join(LMDB_DIR, 'iiit5k_3000')];

describe.skipIf(!ready)('webstr eval', () => {
  it('prints the table, writes JSON, and --min-accuracy fails the run', () => {
    const json = path.join(dir, 'a.json');
    const r = webstr(['eval', '--model', MV3_EN_ONNX, '--data', ...data, '--backend', 'wasm', '--limit', '24', '--json', json, '--min-accuracy', '99.5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAIL svt_647: accuracy [\d.]+ < --min-accuracy 99.5/);
    expect(r.stdout).toMatch(/^dataset +samples +accuracy +case-sens\. +1-NED +words\/s$/m);
    expect(r.stdout).toMatch(/^svt_647 +24 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$/m);
    expect(r.stdout).toMatch(/^iiit5k_3000 +24 /m);
    expect(r.stdout).toMatch(/^total \(sample-weighted, as DTRB\) +48 /m);
    expect(r.stdout).toMatch(/^mean \(unweighted, as MindOCR\) /m);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(rep.format).toBe('webstr-eval');
    expect(rep.run.backend).toBe('wasm');
    expect(rep.summary.datasets.map((d) => d.samples)).toEqual([24, 24]);
    expect(rep.references).toEqual({ svt_647: 74.5, iiit5k_3000: 78.6 });
    expect(rep.summary.datasets[0]!.accuracy).toBeGreaterThan(50);
  });

  it('two --shard halves add up to the whole', () => {
    const parts = ['1/2', '2/2'].map((s) => {
      const json = path.join(dir, `s${s[0]}.json`);
      const r = webstr(['eval', '--model', MV3_EN_ONNX, '--data', data[0]!, '--backend', 'wasm', '--limit', '20', '--shard', s, '--json', json]);
      expect(r.code).toBe(0);
      return JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    });
    const whole = webstr(['eval', '--model', MV3_EN_ONNX, '--data', data[0]!, '--backend', 'wasm', '--limit', '20', '--json', path.join(dir, 'w.json')]);
    expect(whole.code).toBe(0);
    const w = (JSON.parse(readFileSync(path.join(dir, 'w.json'), 'utf8')) as BenchReport).summary.datasets[0]!;
    const m = mergeResults(parts.flatMap((p) => p.summary.datasets))[0]!;
    expect(parts.map((p) => p.summary.datasets[0]!.samples)).toEqual([10, 10]);
    expect([m.samples, m.correct, m.correctCaseSensitive]).toEqual([w.samples, w.correct, w.correctCaseSensitive]);
    expect(m.nedSum).toBeCloseTo(w.nedSum, 9);
  });

  it('--failures N keeps the first N failures of each dataset (the default keeps up to 200)', () => {
    const all = path.join(dir, 'f-all.json');
    const one = path.join(dir, 'f-one.json');
    expect(webstr(['eval', '--model', MV3_EN_ONNX, '--data', ...data, '--backend', 'wasm', '--limit', '40', '--json', all]).code).toBe(0);
    expect(webstr(['eval', '--model', MV3_EN_ONNX, '--data', ...data, '--backend', 'wasm', '--limit', '40', '--failures', '1', '--json', one]).code).toBe(0);
    const a = JSON.parse(readFileSync(all, 'utf8')) as BenchReport;
    const o = JSON.parse(readFileSync(one, 'utf8')) as BenchReport;
    // Under 200 failures in 40 samples: the default report lists every one.
    expect(a.failures.length).toBe(a.summary.datasets.reduce((n, d) => n + d.samples - d.correct, 0));
    expect(a.failures.length).toBeGreaterThan(2);
    const firstOfEach = ['svt_647', 'iiit5k_3000'].flatMap((d) => a.failures.filter((f) => f.dataset === d).slice(0, 1));
    expect(o.failures).toEqual(firstOfEach);
    const counts = (r: BenchReport): number[][] => r.summary.datasets.map((d) => [d.samples, d.correct, d.correctCaseSensitive]);
    expect(counts(o)).toEqual(counts(a));
    const bad = webstr(['eval', '--model', MV3_EN_ONNX, '--data', data[0]!, '--failures', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--failures/);
  });

  it('refuses a bare preset and bad arguments', () => {
    expect(webstr(['eval', '--model', 'crnn-mv3-en', '--data', data[0]!]).stderr).toMatch(/WeightsRequiredError/);
    expect(webstr(['eval', '--model', MV3_EN_ONNX, '--data', data[0]!, '--shard', '3/2']).stderr).toMatch(/--shard expects i\/n/);
    const r = webstr(['eval', '--model', MV3_EN_ONNX]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^webstr eval: --data .* is required; see 'webstr eval --help'$/m);
  });
});
