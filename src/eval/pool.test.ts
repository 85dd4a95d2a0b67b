import { describe, expect, it } from 'vitest';
import { evaluate, type EvalDataset, type EvalOptions, type EvalProgress, type RecognizeBatch, type Shard } from './runner.ts';
import { buildReport } from './report.ts';
import { PoolProgress, checkWorkers, formatShard, mergePoolParts, workerShard, type PoolPart } from './pool.ts';
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** "Images" are the UTF-8 of what the model reads: every 3rd label is misread, one is not an image. */
function dataset(name: string, n: number): EvalDataset {
  const labels = Array.from({ length: n }, (_, i) => `${name}${i}`);
  const at = (i: number) => ({ index: i + 1, label: labels[i]!, image: enc.encode(i % 3 === 0 ? 'zz' : i === 7 ? '\u0000' : labels[i]!) });
  return {
    name,
    count: n,
    async *samples() {
      for (let i = 0; i < n; i++) yield await Promise.resolve(at(i));
    },
    // Random access: the workers' parts read through it, the single run streams (both must agree).
    sample: (index) => Promise.resolve(at(index - 1)),
  };
}

const recognize: RecognizeBatch = (images) => Promise.resolve(images.map((b) => (b[0] === 0 ? { error: 'ImageDecodeError: no' } : { text: dec.decode(b), confidence: 0.5 })));
const sets = (): EvalDataset[] => [dataset('a', 23), dataset('b', 0), dataset('c', 17), dataset('a', 5)];

async function part(opts: EvalOptions): Promise<PoolPart> {
  const r = await evaluate(sets(), recognize, { keepFailureImages: true, keepPredictions: true, filtering: 'off', ...opts });
  const report = buildReport({ model: 'm', preset: 'crnn-mv3-en', backend: 'wasm', runtime: 'browser', startedAt: 'now', seconds: 1 }, r);
  return { report, failureImages: r.failures.map((f) => f.image!), predictions: r.predictions };
}

/** The report without timings (they differ run to run). */
function strip(p: PoolPart) {
  return {
    datasets: p.report.summary.datasets.map(({ seconds: _s, wordsPerSecond: _w, nedSum, ...d }) => ({ ...d, nedSum: nedSum.toFixed(9) })),
    options: p.report.options,
    failures: p.report.failures,
    images: p.failureImages.map((b) => dec.decode(b)),
    predictions: p.predictions,
  };
}

describe('worker pool (pure part)', () => {
  it.each([
    [1, undefined],
    [2, undefined],
    [3, undefined],
    [4, { index: 1, count: 3 }],
    [2, { index: 0, count: 2 }],
  ] as [number, Shard | undefined][])('%i workers over shard %j merge to the single run exactly', async (workers, shard) => {
    const keepFailures = 4;
    const whole = await part({ shard, keepFailures, batchSize: 3 });
    const parts = await Promise.all(Array.from({ length: workers }, (_, k) => part({ shard: workerShard(shard, k, workers), keepFailures, batchSize: 3 })));
    const merged = mergePoolParts(parts, { shard, keepFailures, seconds: 2 });
    expect(strip(merged)).toEqual(strip(whole));
    expect(merged.report.run.seconds).toBe(2);
    expect(merged.report.summary.datasets.map((d) => d.dataset)).toEqual(['a', 'b', 'c', 'a']);
    if (workers > 1) expect(merged.report.run.workers).toBe(workers);
    // The parts are disjoint and cover the shard.
    expect(parts.reduce((a, p) => a + p.report.summary.weighted.samples, 0)).toBe(whole.report.summary.weighted.samples);
  });

  it('pool seconds per dataset are the longest worker, not the sum', async () => {
    const parts = await Promise.all([0, 1].map((k) => part({ shard: workerShard(undefined, k, 2) })));
    parts[0]!.report.summary.datasets[0]!.seconds = 3;
    parts[1]!.report.summary.datasets[0]!.seconds = 5;
    expect(mergePoolParts(parts, { keepFailures: 200, seconds: 9 }).report.summary.datasets[0]!.seconds).toBe(5);
  });

  it('combines progress into one bar: exact totals, done at the end, ETA of the slowest worker', async () => {
    const workers = 3;
    const pool = new PoolProgress(workers);
    const seen: EvalProgress[] = [];
    const whole = await part({});
    await Promise.all(
      Array.from({ length: workers }, (_, k) =>
        evaluate(sets(), recognize, { shard: workerShard(undefined, k, workers), batchSize: 2, filtering: 'off', onProgress: (p) => seen.push(pool.update(k, p)) }),
      ),
    );
    const last = seen.at(-1)!;
    expect(last.totalAll).toBe(whole.report.summary.weighted.samples);
    expect(last.doneAll).toBe(last.totalAll);
    expect(last.datasetTotals).toEqual([23, 0, 17, 5]);
    expect(last.datasetIndex).toBe(3);
    expect(last.done).toBe(last.total);
    expect(last.etaSeconds).toBe(0);
    for (const p of seen) {
      expect(p.doneAll).toBeLessThanOrEqual(p.totalAll);
      expect(p.done).toBeLessThanOrEqual(p.total);
    }
    // Before every worker has reported, the ETA is unknown.
    expect(new PoolProgress(2).update(0, last).etaSeconds).toBe(Infinity);
  });

  it('rejects bad pool sizes, workers, and parts that do not belong together', async () => {
    for (const n of [0, -1, 1.5, NaN, 17]) expect(() => checkWorkers(n)).toThrow(InvalidArgumentError);
    expect(() => workerShard(undefined, 2, 2)).toThrow(InvalidArgumentError);
    expect(() => workerShard(undefined, -1, 2)).toThrow(InvalidArgumentError);
    expect(() => new PoolProgress(2).update(5, {} as EvalProgress)).toThrow(InvalidArgumentError);
    expect(() => mergePoolParts([], { keepFailures: 1, seconds: 0 })).toThrow(InvalidArgumentError);
    const a = await part({ shard: workerShard(undefined, 0, 2) });
    const b = await part({ shard: workerShard(undefined, 1, 2) });
    const other = { ...b, report: { ...b.report, summary: { ...b.report.summary, datasets: b.report.summary.datasets.slice(1) } } };
    expect(() => mergePoolParts([a, other], { keepFailures: 200, seconds: 1 })).toThrow(WebstrError);
    expect(() => mergePoolParts([a, { ...b, failureImages: [] }], { keepFailures: 200, seconds: 1 })).toThrow(/failure images/);
    const stray = { ...b, report: { ...b.report, failures: [{ ...b.report.failures[0]!, dataset: 'nope' }, ...b.report.failures.slice(1)] } };
    expect(() => mergePoolParts([a, stray], { keepFailures: 200, seconds: 1 })).toThrow(/not among the datasets/);
    expect(formatShard({ index: 1, count: 4 })).toBe('2/4');
  });
});
