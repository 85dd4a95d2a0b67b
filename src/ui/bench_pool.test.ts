import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import type { BenchApi } from '../../workers/bench.ts';
import type { BenchProgress, BenchRunRequest, BenchRunResult } from '../../workers/bench_api.ts';
import { evaluate, parseShard, type BatchNote, type EvalDataset } from '../eval/runner.ts';
import { recoveryOptions } from '../eval/crash_journal.ts';
import { WorkerCrashedError } from '../runtime/errors.ts';
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

/**
 * A bench worker stand-in: the real evaluation core on toy data, cancellable, optionally failing. With
 * `crashAt` it dies as a crashed worker does (the call rejects with WorkerCrashedError, the batch never
 * returns) whenever a batch holding that sample is about to run; `crashAtStart` dies before any batch.
 */
function fakeWorker(opts: { fail?: string; slow?: boolean; crashAt?: { dataset: number; index: number }; crashAtStart?: boolean } = {}): PoolWorker & { cancelled: number; restarts: number } {
  let ctl: AbortController | undefined;
  const w = {
    cancelled: 0,
    restarts: 0,
    terminate: () => undefined,
    restart: () => void w.restarts++,
    api: {
      async run(req: BenchRunRequest, onProgress?: (p: BenchProgress) => void, onBatch?: (b: BatchNote) => void): Promise<BenchRunResult> {
        ctl = new AbortController();
        if (opts.fail !== undefined) throw Object.assign(new Error(opts.fail), { name: 'ModelError' });
        let die: (e: Error) => void = () => undefined;
        const dead = new Promise<never>((_, reject) => (die = reject));
        if (opts.crashAtStart === true) die(new WorkerCrashedError('fake', 'died while loading the model'));
        let crashNow = false;
        const evaluation = evaluate([dataset('a', 30), dataset('b', 11)], async (images) => {
          if (crashNow) {
            die(new WorkerCrashedError('fake', 'it stopped without an error event'));
            return new Promise<never>(() => undefined);
          }
          if (opts.slow === true) await new Promise((res) => setTimeout(res, 5));
          return images.map((b) => ({ text: dec.decode(b), confidence: 0.5 }));
        }, {
          shard: req.shard === undefined ? undefined : parseShard(req.shard), batchSize: 4, keepFailureImages: true, keepFailures: req.keepFailures, keepPredictions: req.keepPredictions, filtering: 'off', signal: ctl.signal, onProgress,
          ...recoveryOptions(req.known, req.isolate),
          onBatch: (b) => {
            onBatch?.(b);
            const c = opts.crashAt;
            if (c !== undefined && b.results === undefined && b.dataset === c.dataset && b.indices.includes(c.index)) crashNow = true;
          },
        });
        const r = await Promise.race([evaluation, dead]);
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
    const one = await new BenchPool(fakeWorker(), () => fakeWorker()).run(req, 1);
    const seen: BenchProgress[] = [];
    const pool = new BenchPool(fakeWorker(), () => fakeWorker());
    const three = await pool.run(req, 3, (p) => seen.push(p));
    const strip = (r: BenchRunResult) => ({ d: r.report.summary.datasets.map((d) => [d.dataset, d.samples, d.correct]), f: r.report.failures, p: r.predictions, i: r.failureImages.map((b) => dec.decode(b)) });
    expect(strip(three)).toEqual(strip(one));
    expect(three.report.run.workers).toBe(3);
    expect(three.stages).toHaveLength(3);
    expect(seen.at(-1)).toMatchObject({ doneAll: 41, totalAll: 41 });
    // A shard over the pool is the shard.
    const half = await pool.run({ ...req, shard: '2/2' }, 3);
    const alone = await new BenchPool(fakeWorker(), () => fakeWorker()).run({ ...req, shard: '2/2' }, 1);
    expect(strip(half)).toEqual(strip(alone));
    expect(half.report.options.shard).toBe('2/2');
  });

  it('a failing worker stops the others and its error (not their AbortError) is reported', async () => {
    const others = [fakeWorker({ slow: true }), fakeWorker({ fail: 'bad weights' })];
    const primary = fakeWorker({ slow: true });
    const pool = new BenchPool(primary, () => others.shift()!);
    await expect(pool.run(req, 3)).rejects.toMatchObject({ name: 'ModelError', message: 'bad weights' });
    expect(primary.cancelled).toBe(1);
  });

  it('cancel stops every worker (AbortError), and a bad pool size is refused', async () => {
    const pool = new BenchPool(fakeWorker({ slow: true }), () => fakeWorker({ slow: true }));
    const run = pool.run(req, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(await pool.cancel()).toBe(true);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(await pool.cancel()).toBe(false);
    await expect(pool.run(req, 0)).rejects.toThrow(/workers/);
    await expect(pool.run(req, 17)).rejects.toThrow(/workers/);
  });

  it('a worker that crashes on an item is restarted: that item fails with WorkerCrashedError, nothing else is lost', async () => {
    const strip = (r: BenchRunResult) => ({ d: r.report.summary.datasets.map((d) => [d.dataset, d.samples, d.correct]), f: r.report.failures, p: r.predictions });
    const clean = strip(await new BenchPool(fakeWorker(), () => fakeWorker()).run(req, 1));
    // Sample a/7 ('a6', read right when nothing crashes) now crashes its worker whenever it runs.
    const expected = {
      d: clean.d.map(([n, s, c]) => (n === 'a' ? [n, s, (c as number) - 1] : [n, s, c])),
      p: clean.p?.map((q) => (q.dataset === 'a' && q.index === 7 ? { ...q, prediction: '' } : q)),
    };
    for (const workers of [1, 2]) {
      const crashing = fakeWorker({ crashAt: { dataset: 0, index: 7 } });
      const seen: BenchProgress[] = [];
      const named: BenchRunRequest = { ...req, datasets: ['a', 'b'].map((name) => ({ kind: 'url', url: name, name })) };
      const r = await new BenchPool(crashing, () => fakeWorker({ crashAt: { dataset: 0, index: 7 } })).run(named, workers, (p) => seen.push(p));
      const got = strip(r);
      expect({ d: got.d, p: got.p }).toEqual(expected);
      const failed = got.f.find((f) => f.dataset === 'a' && f.index === 7);
      expect(failed?.error).toMatch(/^WorkerCrashedError: worker 'fake' crashed: /);
      expect(got.f.filter((f) => f !== failed)).toEqual(clean.f);
      // Its batch of 4 crashed first (all suspects, re-run alone), then the item alone: two restarts.
      expect(crashing.restarts).toBe(2);
      expect(r.crashes?.map((c) => [c.dataset, c.index, c.suspects])).toEqual([[null, null, 4], ['a', 7, undefined]]);
      expect(seen.at(-1)).toMatchObject({ doneAll: 41, totalAll: 41 });
    }
  });

  it('a crash no item explains (e.g. while loading the model) fails the run with WorkerCrashedError', async () => {
    const w = fakeWorker({ crashAtStart: true });
    await expect(new BenchPool(w, () => fakeWorker()).run(req, 1)).rejects.toMatchObject({ name: 'WorkerCrashedError' });
    expect(w.restarts).toBe(0);
  });

  it('defaults to one worker per core up to 4, one on webgpu', () => {
    expect(defaultWorkers('wasm', 2)).toBe(2);
    expect(defaultWorkers('wasm', 64)).toBe(4);
    expect(defaultWorkers('cpu', 0)).toBe(1);
    expect(defaultWorkers('wasm', NaN)).toBe(1);
    expect(defaultWorkers('webgpu', 8)).toBe(1);
  });
});
