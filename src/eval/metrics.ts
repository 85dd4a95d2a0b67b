/**
 * Word-recognition metrics shared by every entry point (bench page, `webstr eval`, CI).
 *
 * Protocols (docs/models.md §8.3):
 * - default, as deep-text-recognition-benchmark: lowercase, keep [0-9a-z] in both prediction and
 *   label, exact match;
 * - case-sensitive: the raw strings, exact match;
 * - 1-NED: ICDAR 2019 normalised edit distance, 1 − ED(p, g) / max(|p|, |g|), on the default
 *   protocol's strings (1 when both are empty).
 * Sample filtering, as DTRB: by default a sample whose label is longer than `maxLength` or, lowercased,
 * holds a character outside the charset is dropped; `filtering: 'off'` (data_filtering_off) keeps every
 * sample and scores the label reduced to the charset.
 */

import { keepLabel, normalizeAlnum } from '../text/labels.ts';

export { normalizeAlnum };

/** Levenshtein distance over UTF-16 code points (labels here are ASCII; surrogates count per unit). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** 1 − normalised edit distance (ICDAR 2019), in [0, 1]. */
export function oneMinusNed(pred: string, gt: string): number {
  const n = Math.max(pred.length, gt.length);
  return n === 0 ? 1 : 1 - editDistance(pred, gt) / n;
}

export interface FilterOptions {
  /** 'dtrb' (default): drop long or out-of-charset labels; 'off': keep all (data_filtering_off). */
  filtering?: 'dtrb' | 'off';
  /** Longest label kept by 'dtrb' filtering (DTRB batch_max_length: 25). */
  maxLength?: number;
  /** Characters a label may hold, compared lowercased (DTRB default: 36 alphanumerics). */
  charset?: string;
}

/** Whether DTRB's filter keeps a sample with this label (src/text/labels.ts). 'off' keeps every sample. */
export function keepSample(label: string, options: FilterOptions = {}): boolean {
  return keepLabel(label, { filteringOff: options.filtering === 'off', maxLength: options.maxLength, charset: options.charset });
}

export interface SampleScore {
  /** Default protocol: case-insensitive alphanumeric exact match. */
  correct: boolean;
  correctCaseSensitive: boolean;
  oneMinusNed: number;
}

export function scoreSample(pred: string, label: string): SampleScore {
  const p = normalizeAlnum(pred);
  const g = normalizeAlnum(label);
  return { correct: p === g, correctCaseSensitive: pred === label, oneMinusNed: oneMinusNed(p, g) };
}

/** Running totals for one dataset. */
export class DatasetTally {
  samples = 0;
  correct = 0;
  correctCaseSensitive = 0;
  nedSum = 0;
  /** Samples dropped by the filter (not in `samples`). */
  filtered = 0;
  seconds = 0;

  constructor(readonly name: string) {}

  add(pred: string, label: string): SampleScore {
    const s = scoreSample(pred, label);
    this.samples++;
    if (s.correct) this.correct++;
    if (s.correctCaseSensitive) this.correctCaseSensitive++;
    this.nedSum += s.oneMinusNed;
    return s;
  }

  result(): DatasetResult {
    const n = this.samples;
    return {
      dataset: this.name,
      samples: n,
      filtered: this.filtered,
      correct: this.correct,
      correctCaseSensitive: this.correctCaseSensitive,
      nedSum: this.nedSum,
      seconds: this.seconds,
      accuracy: n === 0 ? 0 : (100 * this.correct) / n,
      accuracyCaseSensitive: n === 0 ? 0 : (100 * this.correctCaseSensitive) / n,
      oneMinusNed: n === 0 ? 0 : this.nedSum / n,
      wordsPerSecond: this.seconds > 0 ? n / this.seconds : 0,
    };
  }
}

export interface DatasetResult {
  dataset: string;
  samples: number;
  filtered: number;
  correct: number;
  correctCaseSensitive: number;
  /** Σ 1-NED, kept so shards merge exactly. */
  nedSum: number;
  /** Time spent on this dataset (decode + preprocess + model + metrics). */
  seconds: number;
  /** Percent, default protocol. */
  accuracy: number;
  /** Percent, raw strings. */
  accuracyCaseSensitive: number;
  /** Mean 1-NED in [0, 1]. */
  oneMinusNed: number;
  wordsPerSecond: number;
}

/**
 * Adds up results of the same dataset from several shards of one evaluation (datasets in order of first
 * appearance). `seconds`: 'sum' (default) for shards run one after another or on separate machines (the
 * compute time), 'max' for shards run at the same time (a worker pool: the longest shard is the wall time).
 */
export function mergeResults(parts: DatasetResult[], options: { seconds?: 'sum' | 'max' } = {}): DatasetResult[] {
  const byName = new Map<string, DatasetTally>();
  for (const r of parts) {
    const t = byName.get(r.dataset) ?? new DatasetTally(r.dataset);
    t.samples += r.samples;
    t.filtered += r.filtered;
    t.correct += r.correct;
    t.correctCaseSensitive += r.correctCaseSensitive;
    t.nedSum += r.nedSum;
    t.seconds = options.seconds === 'max' ? Math.max(t.seconds, r.seconds) : t.seconds + r.seconds;
    byName.set(r.dataset, t);
  }
  return [...byName.values()].map((t) => t.result());
}

export interface Summary {
  datasets: DatasetResult[];
  /** Σcorrect / Σsamples over the datasets (DTRB's "total"). */
  weighted: { samples: number; accuracy: number; accuracyCaseSensitive: number; oneMinusNed: number };
  /** Mean of the per-dataset accuracies (MindOCR's "average"). */
  unweightedMean: { accuracy: number; accuracyCaseSensitive: number; oneMinusNed: number };
}

export function summarize(results: DatasetResult[]): Summary {
  const samples = results.reduce((a, r) => a + r.samples, 0);
  const weight = (f: (r: DatasetResult) => number): number =>
    samples === 0 ? 0 : results.reduce((a, r) => a + f(r) * r.samples, 0) / samples;
  const mean = (f: (r: DatasetResult) => number): number =>
    results.length === 0 ? 0 : results.reduce((a, r) => a + f(r), 0) / results.length;
  return {
    datasets: results,
    weighted: {
      samples,
      accuracy: weight((r) => r.accuracy),
      accuracyCaseSensitive: weight((r) => r.accuracyCaseSensitive),
      oneMinusNed: weight((r) => r.oneMinusNed),
    },
    unweightedMean: {
      accuracy: mean((r) => r.accuracy),
      accuracyCaseSensitive: mean((r) => r.accuracyCaseSensitive),
      oneMinusNed: mean((r) => r.oneMinusNed),
    },
  };
}

/** The per-dataset table of the `webstr eval` / `npm run bench` contract. */
export function formatTable(summary: Summary): string {
  const header = ['dataset', 'samples', 'accuracy', 'case-sens.', '1-NED', 'words/s'];
  const rows = summary.datasets.map((r) => [
    r.dataset,
    String(r.samples),
    r.accuracy.toFixed(2),
    r.accuracyCaseSensitive.toFixed(2),
    r.oneMinusNed.toFixed(4),
    r.wordsPerSecond.toFixed(1),
  ]);
  const w = summary.weighted;
  const m = summary.unweightedMean;
  rows.push(['total (sample-weighted, as DTRB)', String(w.samples), w.accuracy.toFixed(2), w.accuracyCaseSensitive.toFixed(2), w.oneMinusNed.toFixed(4), '']);
  rows.push(['mean (unweighted, as MindOCR)', '', m.accuracy.toFixed(2), m.accuracyCaseSensitive.toFixed(2), m.oneMinusNed.toFixed(4), '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
