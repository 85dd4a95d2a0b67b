/**
 * The evaluation report every entry point writes (`webstr eval --json`, `npm run bench -- --json`, the
 * bench page's JSON export and its history): what ran (model, backend, options), the per-dataset table,
 * both kinds of total, failures, and the published numbers beside ours. Plus the CSV export and the
 * `--min-accuracy` / `--max-drop` checks, so the CLI, the script and the page agree on them.
 */
import { formatTable, type DatasetResult, type Summary } from './metrics.ts';
import type { EvalReport, Failure } from './runner.ts';
import { benchmarkSet, publishedFor, referenceAccuracy, type PublishedRow } from './published.ts';

export interface RunInfo {
  /** What the person passed or picked (path, file name, IndexedDB key). */
  model: string;
  /** The model's preset (architecture). */
  preset: string;
  backend: string;
  /** 'node' (webstr eval) or 'browser' (bench page / npm run bench). */
  runtime: 'node' | 'browser';
  startedAt: string;
  seconds: number;
  /** Evaluators that shared the run (the bench page's worker pool); absent for one. */
  workers?: number;
  /** The allowed-character set decoding was restricted to (src/text/allow.ts); absent: all. */
  allow?: string;
}

export interface BenchReport {
  format: 'webstr-eval';
  version: 1;
  run: RunInfo;
  options: EvalReport['options'];
  summary: Summary;
  /** Per dataset: the reference accuracy (same weights elsewhere, e.g. onnxruntime), when one exists. */
  references: Record<string, number>;
  published: PublishedRow[];
  failures: Omit<Failure, 'image'>[];
}

export function buildReport(run: RunInfo, r: EvalReport): BenchReport {
  const references: Record<string, number> = {};
  // The reference (onnxruntime on the shared model) scored every sample: comparable only unfiltered.
  if (r.options.filtering === 'off') for (const d of r.summary.datasets) {
    const ref = referenceAccuracy(run.preset, d.dataset);
    if (ref !== undefined) references[d.dataset] = ref;
  }
  return {
    format: 'webstr-eval',
    version: 1,
    run,
    options: r.options,
    summary: r.summary,
    references,
    published: publishedFor(run.preset),
    failures: r.failures.map(({ image: _image, ...f }) => f),
  };
}

/** The contract's table, then a line naming the model and backend. */
export function reportText(rep: BenchReport): string {
  const refs = Object.entries(rep.references).map(([d, a]) => `${d} ${a.toFixed(1)}`);
  return [
    `model ${rep.run.model} (${rep.run.preset}) · backend ${rep.run.backend} · ${rep.run.runtime} · filtering ${rep.options.filtering}` +
      (rep.options.limit !== null ? ` · limit ${rep.options.limit}` : '') +
      (rep.options.shard !== null ? ` · shard ${rep.options.shard}` : '') +
      (rep.run.workers !== undefined && rep.run.workers > 1 ? ` · ${rep.run.workers} workers` : '') +
      (rep.run.allow !== undefined ? ` · allow ${rep.run.allow}` : ''),
    formatTable(rep.summary),
    ...(refs.length > 0 ? [`reference (${rep.published.find((p) => p.reference)?.label ?? 'same weights'}): ${refs.join(', ')}`] : []),
  ].join('\n');
}

export interface Thresholds {
  /** Every dataset's accuracy must be at least this (percent). */
  minAccuracy?: number;
  /** No dataset may fall more than this many points below its reference accuracy. */
  maxDrop?: number;
}

/** Human-readable violations (empty = pass). */
export function checkThresholds(rep: BenchReport, t: Thresholds): string[] {
  const out: string[] = [];
  for (const d of rep.summary.datasets) {
    if (t.minAccuracy !== undefined && d.accuracy < t.minAccuracy) out.push(`${d.dataset}: accuracy ${d.accuracy.toFixed(2)} < --min-accuracy ${t.minAccuracy}`);
    const ref = rep.references[d.dataset];
    if (t.maxDrop !== undefined && ref !== undefined && d.accuracy < ref - t.maxDrop) {
      out.push(`${d.dataset}: accuracy ${d.accuracy.toFixed(2)} is more than ${t.maxDrop} below the reference ${ref}`);
    }
  }
  return out;
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (cells: (string | number)[]): string => cells.map(csvCell).join(',');

/** One row per dataset, then the two totals, each named; the published number for the set beside ours. */
export function reportCsv(rep: BenchReport): string {
  const lines = [csvLine(['model', 'backend', 'dataset', 'samples', 'filtered', 'accuracy', 'accuracy_case_sensitive', 'one_minus_ned', 'words_per_second', 'reference'])];
  const row = (d: Pick<DatasetResult, 'dataset' | 'samples' | 'filtered' | 'accuracy' | 'accuracyCaseSensitive' | 'oneMinusNed' | 'wordsPerSecond'>): string => {
    const ref = rep.references[d.dataset];
    return csvLine([rep.run.model, rep.run.backend, d.dataset, d.samples, d.filtered, d.accuracy.toFixed(2), d.accuracyCaseSensitive.toFixed(2), d.oneMinusNed.toFixed(4), d.wordsPerSecond.toFixed(1), ref === undefined ? '' : ref]);
  };
  for (const d of rep.summary.datasets) lines.push(row(d));
  const w = rep.summary.weighted;
  const m = rep.summary.unweightedMean;
  lines.push(csvLine([rep.run.model, rep.run.backend, 'total (sample-weighted, as DTRB)', w.samples, '', w.accuracy.toFixed(2), w.accuracyCaseSensitive.toFixed(2), w.oneMinusNed.toFixed(4), '', '']));
  lines.push(csvLine([rep.run.model, rep.run.backend, 'mean (unweighted, as MindOCR)', '', '', m.accuracy.toFixed(2), m.accuracyCaseSensitive.toFixed(2), m.oneMinusNed.toFixed(4), '', '']));
  return lines.join('\n') + '\n';
}

/** Failures as CSV (dataset, index, label, prediction, confidence). */
export function failuresCsv(failures: readonly Omit<Failure, 'image'>[]): string {
  return [csvLine(['dataset', 'index', 'label', 'prediction', 'confidence', 'error']), ...failures.map((f) => csvLine([f.dataset, f.index, f.label, f.prediction, f.confidence.toFixed(4), f.error ?? '']))].join('\n') + '\n';
}

export { benchmarkSet };
