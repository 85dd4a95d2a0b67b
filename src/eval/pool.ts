/**
 * A pool of evaluators, the pure part (the page's workers are in src/ui/bench_pool.ts): how one run is
 * split over `workers` evaluators (each takes a disjoint round-robin part of every dataset, composed with
 * the person's `--shard i/n`), how their progress adds up to one bar / rate / ETA, and how their reports
 * merge back into the report one evaluator would have written: same counts (so the same accuracies), the
 * same failures in the same order (dataset order, then sample index, at most `keepFailures` per dataset)
 * and the same predictions.
 */
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import { mergeResults, summarize } from './metrics.ts';
import type { EvalProgress, Failure, Shard } from './runner.ts';
import type { BenchReport } from './report.ts';

/** Most workers a pool takes (more only adds memory: one model and one wasm heap each). */
export const MAX_WORKERS = 16;

export function checkWorkers(n: number): number {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS)) throw new InvalidArgumentError(`workers: expected an integer in 1…${MAX_WORKERS}, got ${n}`);
  return n;
}

/** `i/n` with 1-based i, as parseShard reads it. */
export function formatShard(s: Shard): string {
  return `${s.index + 1}/${s.count}`;
}

/**
 * Worker `worker`'s part of shard `shard` (the whole when undefined) among `workers`: the samples at
 * positions p with p ≡ shard.index (mod shard.count) are dealt round-robin, so worker k takes
 * p ≡ shard.index + shard.count·k (mod shard.count·workers). The parts are disjoint and cover the shard.
 */
export function workerShard(shard: Shard | undefined, worker: number, workers: number): Shard | undefined {
  checkWorkers(workers);
  if (!(Number.isInteger(worker) && worker >= 0 && worker < workers)) throw new InvalidArgumentError(`worker ${worker} is not in 0…${workers - 1}`);
  const s = shard ?? { index: 0, count: 1 };
  if (workers === 1) return shard;
  return { index: s.index + s.count * worker, count: s.count * workers };
}

/** Per worker, the latest progress; `update` returns the pool's combined progress. */
export class PoolProgress {
  private readonly latest: (EvalProgress | undefined)[];

  constructor(workers: number) {
    this.latest = new Array<EvalProgress | undefined>(checkWorkers(workers)).fill(undefined);
  }

  update(worker: number, p: EvalProgress): EvalProgress {
    if (!(Number.isInteger(worker) && worker >= 0 && worker < this.latest.length)) throw new InvalidArgumentError(`progress from worker ${worker} of ${this.latest.length}`);
    this.latest[worker] = p;
    const known = this.latest.filter((q): q is EvalProgress => q !== undefined);
    const sets = Math.max(...known.map((q) => q.datasetTotals.length));
    const datasetTotals = Array.from({ length: sets }, (_, d) => known.reduce((a, q) => a + (q.datasetTotals[d] ?? 0), 0));
    // The dataset shown is the earliest one a worker is still on.
    const current = Math.min(...known.map((q) => q.datasetIndex));
    const doneIn = (q: EvalProgress, d: number): number => (q.datasetIndex > d ? (q.datasetTotals[d] ?? 0) : q.datasetIndex === d ? q.done : 0);
    const all = known.length === this.latest.length;
    return {
      dataset: known.find((q) => q.datasetIndex === current)?.dataset ?? p.dataset,
      datasetIndex: current,
      datasetTotals,
      done: known.reduce((a, q) => a + doneIn(q, current), 0),
      total: datasetTotals[current] ?? 0,
      doneAll: known.reduce((a, q) => a + q.doneAll, 0),
      totalAll: datasetTotals.reduce((a, n) => a + n, 0),
      wordsPerSecond: known.reduce((a, q) => a + q.wordsPerSecond, 0),
      // The pool is done when its slowest worker is.
      etaSeconds: all ? Math.max(...known.map((q) => q.etaSeconds)) : Infinity,
    };
  }
}

export type Prediction = { dataset: string; index: number; prediction: string };

/** What each evaluator of the pool returns (the bench worker's BenchRunResult). */
export interface PoolPart {
  report: BenchReport;
  /** Encoded images of `report.failures`, index for index. */
  failureImages: Uint8Array[];
  predictions?: Prediction[];
}

export interface MergeOptions {
  /** The person's shard (what the merged report names), undefined for the whole. */
  shard?: Shard;
  /** Failures kept per dataset (as each worker was asked). */
  keepFailures: number;
  /** Wall time of the whole pool run. */
  seconds: number;
}

/**
 * Positions (in the dataset list) of items listed in dataset order, each naming its dataset: the walk
 * keeps two datasets of the same name apart.
 */
function datasetPositions(items: readonly { dataset: string }[], names: readonly string[]): number[] {
  let at = 0;
  return items.map((it) => {
    while (at < names.length && names[at] !== it.dataset) at++;
    if (at === names.length) throw new WebstrError(`pool merge: '${it.dataset}' is not among the datasets or out of order`);
    return at;
  });
}

/** The pool's parts → the report (and failure images, predictions) one evaluator would have returned. */
export function mergePoolParts(parts: PoolPart[], options: MergeOptions): PoolPart {
  const first = parts[0];
  if (first === undefined) throw new InvalidArgumentError('pool merge: no parts');
  // One worker evaluated `options.shard` itself (workerShard(shard, 0, 1) is the shard).
  if (parts.length === 1) {
    return { ...first, report: { ...first.report, run: { ...first.report.run, seconds: options.seconds } } };
  }
  const names = first.report.summary.datasets.map((d) => d.dataset);
  for (const p of parts) {
    const n = p.report.summary.datasets.map((d) => d.dataset);
    if (n.length !== names.length || n.some((x, i) => x !== names[i])) throw new WebstrError(`pool merge: parts evaluated different datasets (${names.join(', ')} vs ${n.join(', ')})`);
    if (p.failureImages.length !== p.report.failures.length) throw new WebstrError('pool merge: failure images do not match the failures');
  }
  const datasets = names.map((_, i) => mergeResults(parts.map((p) => p.report.summary.datasets[i]!), { seconds: 'max' })[0]!);

  type Tagged<T> = { pos: number; index: number; item: T };
  const byOrder = <T>(a: Tagged<T>, b: Tagged<T>): number => a.pos - b.pos || a.index - b.index;
  const failures: Tagged<{ f: Omit<Failure, 'image'>; image: Uint8Array }>[] = parts.flatMap((p) => {
    const pos = datasetPositions(p.report.failures, names);
    return p.report.failures.map((f, i) => ({ pos: pos[i]!, index: f.index, item: { f, image: p.failureImages[i]! } }));
  });
  failures.sort(byOrder);
  const perSet = new Array<number>(names.length).fill(0);
  const kept = failures.filter((t) => perSet[t.pos]!++ < options.keepFailures);

  let predictions: Prediction[] | undefined;
  if (parts.some((p) => p.predictions !== undefined)) {
    const tagged: Tagged<Prediction>[] = parts.flatMap((p) => {
      const list = p.predictions ?? [];
      const pos = datasetPositions(list, names);
      return list.map((q, i) => ({ pos: pos[i]!, index: q.index, item: q }));
    });
    predictions = tagged.sort(byOrder).map((t) => t.item);
  }

  const report: BenchReport = {
    ...first.report,
    run: { ...first.report.run, seconds: options.seconds, workers: parts.length },
    options: { ...first.report.options, shard: options.shard === undefined ? null : formatShard(options.shard) },
    summary: summarize(datasets),
    failures: kept.map((t) => t.item.f),
  };
  return { report, failureImages: kept.map((t) => t.item.image), ...(predictions !== undefined ? { predictions } : {}) };
}
