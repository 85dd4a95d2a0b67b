import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import type { BenchApi } from '../../workers/bench.ts';
import type { BenchProgress, BenchRunRequest, BenchRunResult } from '../../workers/bench_api.ts';
import { evaluate, parseShard, type EvalDataset } from '../eval/runner.ts';
import { buildReport } from '../eval/report.ts';
import { BenchPool, defaultWorkers, type PoolWorker } from './bench_pool.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

function dataset(name: string, n: number): EvalDataset {
  return {
    name,
    count: n,
    async *samples() {
      for (let i = 0; i < n; i++) yield await Promise.resolve({ index: i + 1, label: `${name}${i}`, image: enc.encode(i % 4 === 1 ? 'zz' : `${name}${i}`) });
    },
  };
}

/** A bench worker stand-in: the real evaluation core on toy data, cancellable, optionally failing. */
function fakeWorker(opts: { fail?: string; slow?: boolean } = {}): PoolWorker & { cancelled: number } {
  let ctl: AbortController | undefined;
  const w = {
    cancelled: 0,
    terminate: () => undefined,
    api: {
      async run(req: BenchRunRequest, onProgress?: (p: BenchProgress) => void): Promise<BenchRunResult> {
        ctl = new AbortController();
        if (opts.fail !== undefined) throw Object.assign(new Error(opts.fail), { name: 'ModelError' });
        const r = await evaluate([dataset('a', 30), dataset('b', 11)], async (images) => {
          if (opts.slow === true) await new Promise((res) => setTimeout(res, 5));
          return images.map((b) => ({ text: dec.decode(b), confidence: 0.5 }));
        }, { shard: req.shard === undefined ? undefined : parseShard(req.shard), batchSize: 4, keepFailureImages: true, keepFailures: req.keepFailures, keepPredictions: req.keepPredictions, filtering: 'off', signal: ctl.signal, onProgress });
        const report = buildReport({ model: 'm', preset: 'crnn-mv3-en', backend: 'wasm', runtime: 'browser', startedAt: 'now', seconds: 1 }, r);
        return { report, failureImages: r.failures.map((f) => f.image!), predictions: r.predictions, stages: [{ decodeMs: 0, preprocessMs: 1, modelMs: 2, ctcMs: 0, evalMs: 4 }] };
      },
      cancel(): Promise<boolean> {
        w.cancelled++;
        ctl?.abort(new DOMException('evaluation cancelled', 'AbortError'));
        return Promise.resolve(true);
      },
      init: () => Promise.resolve({}),
    } as unknown as Remote<BenchApi>,
  };
  return w;
}

const req: BenchRunRequest = { model: { kind: 'url', url: 'x' }, modelLabel: 'm', backend: 'wasm', datasets: [], keepPredictions: true };

describe('BenchPool', () => {
  it('n workers give the one-worker report; progress ends at the total', async () => {
    const one = await new BenchPool(fakeWorker().api, () => fakeWorker()).run(req, 1);
    const seen: BenchProgress[] = [];
    const pool = new BenchPool(fakeWorker().api, () => fakeWorker());
    const three = await pool.run(req, 3, (p) => seen.push(p));
    const strip = (r: BenchRunResult) => ({ d: r.report.summary.datasets.map((d) => [d.dataset, d.samples, d.correct]), f: r.report.failures, p: r.predictions, i: r.failureImages.map((b) => dec.decode(b)) });
    expect(strip(three)).toEqual(strip(one));
    expect(three.report.run.workers).toBe(3);
    expect(three.stages).toHaveLength(3);
    expect(seen.at(-1)).toMatchObject({ doneAll: 41, totalAll: 41 });
    // A shard over the pool is the shard.
    const half = await pool.run({ ...req, shard: '2/2' }, 3);
    const alone = await new BenchPool(fakeWorker().api, () => fakeWorker()).run({ ...req, shard: '2/2' }, 1);
    expect(strip(half)).toEqual(strip(alone));
    expect(half.report.options.shard).toBe('2/2');
  });

  it('a failing worker stops the others and its error (not their AbortError) is reported', async () => {
    const others = [fakeWorker({ slow: true }), fakeWorker({ fail: 'bad weights' })];
    const primary = fakeWorker({ slow: true });
    const pool = new BenchPool(primary.api, () => others.shift()!);
    await expect(pool.run(req, 3)).rejects.toMatchObject({ name: 'ModelError', message: 'bad weights' });
    expect(primary.cancelled).toBe(1);
  });

  it('cancel stops every worker (AbortError), and a bad pool size is refused', async () => {
    const pool = new BenchPool(fakeWorker({ slow: true }).api, () => fakeWorker({ slow: true }));
    const run = pool.run(req, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(await pool.cancel()).toBe(true);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(await pool.cancel()).toBe(false);
    await expect(pool.run(req, 0)).rejects.toThrow(/workers/);
    await expect(pool.run(req, 17)).rejects.toThrow(/workers/);
  });

  it('defaults to one worker per core up to 4, one on webgpu', () => {
    expect(defaultWorkers('wasm', 2)).toBe(2);
    expect(defaultWorkers('wasm', 64)).toBe(4);
    expect(defaultWorkers('cpu', 0)).toBe(1);
    expect(defaultWorkers('wasm', NaN)).toBe(1);
    expect(defaultWorkers('webgpu', 8)).toBe(1);
  });
});
