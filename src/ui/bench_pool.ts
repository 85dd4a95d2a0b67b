/**
 * The bench page's pool of bench workers. A wasm worker computes on one core (wasm threads are off, see
 * ARCHITECTURE.md), so one evaluation is split over `workers` workers, each taking a disjoint round-robin
 * part of every dataset (src/eval/pool.ts `workerShard`, composed with the person's shard); their
 * progress is combined into one bar / rate / ETA, a cancel or a failure stops them all, and their reports
 * merge into the report one worker would have written (same counts, failures in the same order).
 * The first worker is the page's own (runtime report, models); the others are started on first use and
 * kept, so a model stays loaded between runs.
 *
 * A worker that dies mid-run (WorkerCrashedError from src/ui/worker_client.ts) is restarted and its part
 * goes on (src/eval/crash_journal.ts): the restarted worker is handed every result already back, the
 * item that crashed it is reported as a failed sample with the crash error, and the run completes.
 */
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { BenchApi } from '../../workers/bench.ts';
import type { BenchCrash, BenchProgress, BenchRunRequest, BenchRunResult } from '../../workers/bench_api.ts';
import { MAX_WORKERS, PoolProgress, checkWorkers, formatShard, mergePoolParts, workerShard } from '../eval/pool.ts';
import { parseShard, type BatchNote } from '../eval/runner.ts';
import { CrashJournal } from '../eval/crash_journal.ts';
import { WebstrError } from '../runtime/errors.ts';

/** A bench worker of the pool: the remote API (stable across restarts), restart and end (a WorkerClient). */
export interface PoolWorker {
  api: Remote<BenchApi>;
  restart(): void;
  terminate(): void;
}

/** Restarts of one worker within one run before its crash is the run's error. */
const MAX_RESTARTS = 8;

const isCrash = (e: unknown): e is Error => (e as { name?: unknown } | null)?.name === 'WorkerCrashedError';

/**
 * Workers used when the person does not say: one per core up to 4 on the CPU backends; one on WebGPU
 * (the GPU is shared anyway, and every worker would hold its own device and copy of the model).
 */
export function defaultWorkers(backend: string, cores: number = navigator.hardwareConcurrency): number {
  if (backend === 'webgpu') return 1;
  return Math.max(1, Math.min(4, Math.floor(cores) || 1, MAX_WORKERS));
}

export class BenchPool {
  private readonly extra: PoolWorker[] = [];
  private running: Remote<BenchApi>[] = [];
  /** Set by cancel(): a worker restarting after a crash does not start its part again. */
  private cancelling = false;

  constructor(
    private readonly primary: PoolWorker,
    private readonly spawn: () => PoolWorker,
  ) {}

  /**
   * One worker's part: run; on a crash restart the worker and run again with what the journal knows
   * (results back so far, the crashing item as a failure, suspects alone) until the part completes.
   */
  private async runPart(w: PoolWorker, req: BenchRunRequest, onProgress: (p: BenchProgress) => void, crashes: BenchCrash[], workerIndex: number, stopped: () => boolean): Promise<BenchRunResult> {
    const journal = new CrashJournal();
    const onBatch = Comlink.proxy((b: BatchNote) => journal.note(b));
    for (let restarts = 0; ; restarts++) {
      try {
        const known = journal.known();
        const isolate = journal.isolate();
        return await w.api.run({ ...req, ...(known.length > 0 ? { known } : {}), ...(isolate.length > 0 ? { isolate } : {}) }, Comlink.proxy(onProgress), onBatch);
      } catch (err) {
        if (!isCrash(err) || stopped() || restarts >= MAX_RESTARTS) throw err;
        // Notes the worker posted just before it died may still be on their way.
        await new Promise((r) => setTimeout(r, 100));
        if (stopped()) throw this.cancelling ? new DOMException('evaluation cancelled', 'AbortError') : err;
        const verdict = journal.crashed(err);
        if (verdict.kind === 'none') throw err;
        const item = verdict.kind === 'item' ? verdict.item : null;
        crashes.push({
          worker: workerIndex,
          dataset: item === null ? null : (req.datasets[item.dataset]?.name ?? String(item.dataset)),
          index: item?.index ?? null,
          ...(verdict.kind === 'suspects' ? { suspects: verdict.count } : {}),
          error: `${err.name}: ${err.message}`,
        });
        w.restart();
      }
    }
  }

  /** Evaluates `req` over `workers` workers; progress is the pool's. Throws AbortError when cancelled. */
  async run(req: BenchRunRequest, workers: number, onProgress?: (p: BenchProgress) => void): Promise<BenchRunResult> {
    checkWorkers(workers);
    if (this.running.length > 0) throw new WebstrError('an evaluation is already running in this pool');
    const shard = req.shard === undefined || req.shard === '' ? undefined : parseShard(req.shard);
    while (this.extra.length < workers - 1) this.extra.push(this.spawn());
    const pool = [this.primary, ...this.extra.slice(0, workers - 1)];
    const apis = pool.map((w) => w.api);
    const keepFailures = req.keepFailures ?? 200;
    const progress = new PoolProgress(workers);
    const t0 = performance.now();
    this.running = apis;
    this.cancelling = false;
    try {
      let stopping = false;
      const crashes: BenchCrash[] = [];
      const runs = pool.map((w, k) => {
        const s = workerShard(shard, k, workers);
        const run = this.runPart(w, { ...req, keepFailures, shard: s === undefined ? undefined : formatShard(s) }, (p: BenchProgress) => onProgress?.(progress.update(k, p)), crashes, k, () => stopping || this.cancelling);
        // The first failure (or cancel) stops the others at once.
        run.catch(() => {
          if (stopping) return;
          stopping = true;
          void this.cancel();
        });
        return run;
      });
      const settled = await Promise.allSettled(runs);
      const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      if (failed.length > 0) {
        // Report the cause, not the cancels it triggered in the other workers.
        throw failed.find((e) => (e as { name?: unknown } | null)?.name !== 'AbortError') ?? failed[0];
      }
      const parts = settled.map((s) => (s as PromiseFulfilledResult<BenchRunResult>).value);
      const merged = mergePoolParts(parts, { shard, keepFailures, seconds: (performance.now() - t0) / 1000 });
      return { ...merged, stages: parts.flatMap((p) => p.stages ?? []), ...(crashes.length > 0 ? { crashes } : {}) };
    } finally {
      this.running = [];
    }
  }

  /** Starts the extra workers of an n-worker pool ahead of the first run (backend and wasm ready). */
  async warm(workers: number, backend: string): Promise<void> {
    checkWorkers(workers);
    const fresh: PoolWorker[] = [];
    while (this.extra.length < workers - 1) {
      const w = this.spawn();
      this.extra.push(w);
      fresh.push(w);
    }
    await Promise.allSettled(fresh.map((w) => w.api.init(backend)));
  }

  /** Cancels the running evaluation in every worker; false when none runs. */
  async cancel(): Promise<boolean> {
    const apis = this.running;
    if (apis.length === 0) return false;
    this.cancelling = true;
    const r = await Promise.allSettled(apis.map((a) => a.cancel()));
    return r.some((x) => x.status === 'fulfilled' && x.value);
  }

  /** Ends the extra workers (the primary belongs to the page). */
  dispose(): void {
    for (const w of this.extra.splice(0)) w.terminate();
  }
}
