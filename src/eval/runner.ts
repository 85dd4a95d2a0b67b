/**
 * The benchmark core shared by the bench page (in the worker), `webstr eval` (Node) and CI: streams
 * samples of each dataset, filters labels as DTRB does, recognises in batches, scores, and keeps a
 * bounded gallery of failures. It knows nothing of models or storage: the caller passes a dataset
 * iterator and a batch recogniser.
 */
import { DatasetTally, keepSample, summarize, type FilterOptions, type Summary } from './metrics.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';

export interface EvalSample {
  /** 1-based index in the dataset. */
  index: number;
  label: string;
  image: Uint8Array;
}

export interface EvalDataset {
  name: string;
  count: number;
  samples(): AsyncIterable<EvalSample>;
  /** Random access, optional: `sample(p + 1)` is the item at position p of `samples()`. With a shard,
   *  only the shard's samples are then read (a pool's workers skip each other's). */
  sample?(index: number): Promise<EvalSample>;
}

/** The samples a run evaluates in `ds`: the first `limit`, then every `shard.count`-th from `shard.index`. */
async function* ownSamples(ds: EvalDataset, options: EvalOptions): AsyncIterable<EvalSample> {
  const shard = options.shard;
  if (shard !== undefined && ds.sample !== undefined) {
    const n = Math.min(ds.count, options.limit ?? ds.count);
    for (let p = shard.index; p < n; p += shard.count) yield await ds.sample(p + 1);
    return;
  }
  let position = 0;
  for await (const s of ds.samples()) {
    if (options.limit !== undefined && position >= options.limit) break;
    const mine = shard === undefined || position % shard.count === shard.index;
    position++;
    if (mine) yield s;
  }
}

export type Recognition = { text: string; confidence: number } | { error: string };

/** Recognises encoded images; one result per image, in order. A per-image error is a wrong answer. */
export type RecognizeBatch = (images: Uint8Array[]) => Promise<Recognition[]>;

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** Parses `i/n` (1-based i, as people write it) into a 0-based shard. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = m === null ? NaN : Number(m[1]);
  const n = m === null ? NaN : Number(m[2]);
  if (!(n >= 1 && i >= 1 && i <= n)) throw new InvalidArgumentError(`--shard expects i/n with 1 ≤ i ≤ n, got '${text}'`);
  return { index: i - 1, count: n };
}

export interface Failure {
  dataset: string;
  index: number;
  label: string;
  prediction: string;
  confidence: number;
  error?: string;
  /** The encoded image (only with `keepFailureImages`), for the gallery. */
  image?: Uint8Array;
}

export interface EvalProgress {
  dataset: string;
  /** Position of `dataset` in the evaluated list (0-based). */
  datasetIndex: number;
  /** Samples to score in each dataset (after limit and shard), in order: lets a pool combine progress. */
  datasetTotals: number[];
  /** Samples scored so far in this dataset / to score in it (after limit and shard, before filtering). */
  done: number;
  total: number;
  /** All datasets. */
  doneAll: number;
  totalAll: number;
  wordsPerSecond: number;
  etaSeconds: number;
}

export interface EvalOptions extends FilterOptions {
  batchSize?: number;
  /** At most this many samples per dataset (the first ones, before sharding). */
  limit?: number;
  shard?: Shard;
  /** Failures kept per dataset for the gallery (default 200). */
  keepFailures?: number;
  /** Keep each kept failure's encoded image (a copy) for the gallery. */
  keepFailureImages?: boolean;
  /** Keep every sample's prediction (backend comparisons). */
  keepPredictions?: boolean;
  onProgress?: (p: EvalProgress) => void;
  signal?: AbortSignal;
  /**
   * Batches handed to `recognize` before the oldest one is awaited (default 1: one at a time). With 2 the
   * next batch is submitted while the current one runs, so an asynchronous recogniser can decode it (off
   * thread, e.g. createImageBitmap) during the model; results are still scored in sample order.
   */
  inFlight?: number;
  /**
   * Samples read before recognising (default: `batchSize`). Inside a window the samples are ordered by
   * `groupKey` (stable) before being cut into batches, so a recogniser that batches same-key inputs
   * together (same model input width) gets fuller batches; the window is scored in sample order when its
   * last batch is back, so failures and predictions come out as without it.
   */
  window?: number;
  /** Sort key of a sample inside a window (e.g. the model input width read from the image header). */
  groupKey?: (s: EvalSample) => number;
  now?: () => number;
  /**
   * Crash recovery (a pool restarting a dead worker, src/eval/crash_journal.ts): samples whose result is
   * already known (evaluated before the crash, or the item that crashed it, as an error) are scored with
   * it and not recognised again; `isolate`d samples are recognised alone, with nothing else in flight, so
   * a crash names one item; `onBatch` hears each batch (dataset position, sample indices) before it is
   * recognised and again with its results.
   */
  known?: (dataset: number, index: number) => Recognition | undefined;
  isolate?: (dataset: number, index: number) => boolean;
  onBatch?: (batch: BatchNote) => void;
}

/** A batch as `onBatch` hears of it: before recognition (no results), then with them. */
export interface BatchNote {
  dataset: number;
  indices: number[];
  results?: Recognition[];
}

export interface EvalReport {
  summary: Summary;
  failures: Failure[];
  /** Every scored sample's raw prediction, with `keepPredictions`. */
  predictions?: { dataset: string; index: number; prediction: string }[];
  options: { filtering: string; maxLength: number; limit: number | null; shard: string | null; batchSize: number };
}

/** Throws the signal's reason (an AbortError unless the canceller gave another error) once it is aborted. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw signal.reason instanceof Error ? signal.reason : new DOMException('evaluation cancelled', 'AbortError');
}

function planned(count: number, options: EvalOptions): number {
  const n = Math.min(count, options.limit ?? count);
  const s = options.shard;
  if (s === undefined) return n;
  return n > s.index ? Math.floor((n - 1 - s.index) / s.count) + 1 : 0;
}

export async function evaluate(datasets: EvalDataset[], recognize: RecognizeBatch, options: EvalOptions = {}): Promise<EvalReport> {
  const now = options.now ?? (() => performance.now() / 1000);
  const batchSize = options.batchSize ?? 32;
  const keep = options.keepFailures ?? 200;
  const inFlight = options.inFlight ?? 1;
  if (!(Number.isInteger(inFlight) && inFlight >= 1)) throw new InvalidArgumentError(`inFlight: expected an integer ≥ 1, got ${inFlight}`);
  const windowSize = options.window ?? batchSize;
  if (!(Number.isInteger(windowSize) && windowSize >= 1)) throw new InvalidArgumentError(`window: expected an integer ≥ 1, got ${windowSize}`);
  const datasetTotals = datasets.map((d) => planned(d.count, options));
  const totalAll = datasetTotals.reduce((a, n) => a + n, 0);
  const started = now();
  let doneAll = 0;
  const failures: Failure[] = [];
  const predictions: NonNullable<EvalReport['predictions']> = [];
  const results = [];

  for (const [datasetIndex, ds] of datasets.entries()) {
    const tally = new DatasetTally(ds.name);
    const total = datasetTotals[datasetIndex]!;
    let done = 0;
    let emitted = -1;
    let kept = 0;
    let window: EvalSample[] = [];
    type Window = { samples: EvalSample[]; results: Recognition[]; left: number };
    const pending: { win: Window; at: number[]; out: Promise<Recognition[]> }[] = [];
    const t0 = now();

    const emit = (): void => {
      emitted = done;
      const elapsed = now() - started;
      const rate = elapsed > 0 ? doneAll / elapsed : 0;
      options.onProgress?.({ dataset: ds.name, datasetIndex, datasetTotals, done, total, doneAll, totalAll, wordsPerSecond: rate, etaSeconds: rate > 0 ? (totalAll - doneAll) / rate : Infinity });
    };

    /** Scores a window whose batches are all back, in sample order. */
    const score = (win: Window): void => {
      win.samples.forEach((s, i) => {
        const r = win.results[i] ?? { error: 'the recogniser returned no result' };
        const text = 'text' in r ? r.text : '';
        const sc = tally.add(text, s.label);
        if (options.keepPredictions === true) predictions.push({ dataset: ds.name, index: s.index, prediction: text });
        if (!sc.correct && kept < keep) {
          kept++;
          failures.push({
            dataset: ds.name,
            index: s.index,
            label: s.label,
            prediction: text,
            confidence: 'text' in r ? r.confidence : 0,
            ...('error' in r ? { error: r.error } : {}),
            ...(options.keepFailureImages === true ? { image: s.image.slice() } : {}),
          });
        }
      });
    };

    /** Waits for the oldest submitted batch; scores its window when that was the window's last. */
    const settle = async (): Promise<void> => {
      const head = pending.shift();
      if (head === undefined) return;
      const out = await head.out;
      head.at.forEach((k, j) => (head.win.results[k] = out[j]!));
      head.win.left -= head.at.length;
      if (head.win.left === 0) score(head.win);
      done += head.at.length;
      doneAll += head.at.length;
      emit();
    };

    const submit = async (): Promise<void> => {
      if (window.length === 0) return;
      const win: Window = { samples: window, results: new Array<Recognition>(window.length), left: window.length };
      window = [];
      let order = win.samples.map((_, i) => i);
      if (options.groupKey !== undefined) {
        const keys = win.samples.map(options.groupKey);
        order = order.sort((x, y) => keys[x]! - keys[y]! || x - y);
      }
      const known: number[] = [];
      const alone: number[] = [];
      if (options.known !== undefined || options.isolate !== undefined) {
        order = order.filter((k) => {
          const index = win.samples[k]!.index;
          const r = options.known?.(datasetIndex, index);
          if (r !== undefined) {
            win.results[k] = r;
            known.push(k);
          } else if (options.isolate?.(datasetIndex, index) === true) alone.push(k);
          else return true;
          return false;
        });
      }
      // Known results settle in their turn, as a batch that is already back.
      if (known.length > 0) pending.push({ win, at: known, out: Promise.resolve(known.map((k) => win.results[k]!)) });
      const run = (at: number[]): void => {
        const indices = at.map((k) => win.samples[k]!.index);
        options.onBatch?.({ dataset: datasetIndex, indices });
        const out = recognize(at.map((k) => win.samples[k]!.image));
        out.catch(() => undefined); // awaited in order by settle(); no unhandled rejection meanwhile
        const note = options.onBatch;
        if (note !== undefined) out.then((results) => note({ dataset: datasetIndex, indices, results })).catch(() => undefined);
        pending.push({ win, at, out });
      };
      for (let s = 0; s < order.length; s += batchSize) {
        throwIfAborted(options.signal);
        run(order.slice(s, s + batchSize));
        while (pending.length >= inFlight) await settle();
      }
      for (const k of alone) {
        throwIfAborted(options.signal);
        while (pending.length > 0) await settle();
        run([k]);
        await settle();
      }
    };

    try {
      for await (const s of ownSamples(ds, options)) {
        throwIfAborted(options.signal);
        if (!keepSample(s.label, options)) {
          tally.filtered++;
          done++;
          doneAll++;
          continue;
        }
        window.push(s);
        if (window.length >= windowSize) await submit();
      }
      await submit();
      while (pending.length > 0) await settle();
      // A cancel while the last batches ran is still a cancel: nothing is reported for a cancelled run.
      throwIfAborted(options.signal);
    } finally {
      // On an error or a cancel, let batches still running finish before the caller frees the model.
      await Promise.allSettled(pending.map((p) => p.out));
    }
    if (done !== emitted) emit();
    tally.seconds = now() - t0;
    results.push(tally.result());
  }
  return {
    summary: summarize(results),
    failures,
    ...(options.keepPredictions === true ? { predictions } : {}),
    options: {
      filtering: options.filtering ?? 'dtrb',
      maxLength: options.maxLength ?? 25,
      limit: options.limit ?? null,
      shard: options.shard === undefined ? null : `${options.shard.index + 1}/${options.shard.count}`,
      batchSize,
    },
  };
}
