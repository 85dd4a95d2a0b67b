/**
 * Accuracy per dataset and model as an inline SVG bar chart (no chart library): one group of bars per
 * dataset, one bar per model (run), a tick where a published reference exists. The chart is as wide as
 * its labels and legend need (`chartLayout`), scales down to the page width, and shows its axes before
 * any run. Also the verdict of a row against its reference (`referenceVerdict`).
 */
import type { BenchReport } from '../eval/report.ts';

const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#3465a4', '#f57900', '#4e9a06', '#75507b', '#c4a000', '#cc0000'];
const REF_NOTE = 'dashed: reference (same weights, onnxruntime, full set)';
const EMPTY_NOTE = 'no runs yet: accuracy per dataset appears here';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A generous width estimate of `text` at `size` px in the page's sans-serif (no layout needed). */
export function textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.62);
}

export interface ChartLayout {
  width: number;
  height: number;
  left: number;
  top: number;
  plotH: number;
  barW: number;
  /** Width of each dataset's group (bars, or its label when wider). */
  groupW: number;
}

/** Sizes from the labels: each group fits its bars and its dataset name, the width fits the legend lines
 *  and the reference note, and an empty chart keeps room for its axes and a line of text. */
export function chartLayout(datasets: readonly string[], legend: readonly string[], withRefNote: boolean): ChartLayout {
  const barW = 18;
  const left = 40;
  const top = withRefNote ? 22 : 16;
  const plotH = 160;
  const bars = Math.max(1, legend.length) * barW + 24;
  const groupW = Math.max(bars, ...datasets.map((d) => textWidth(d, 11) + 12));
  const width = Math.max(
    left + datasets.length * groupW + 10,
    ...legend.map((l) => left + 18 + textWidth(l, 11) + 10),
    withRefNote ? left + textWidth(REF_NOTE, 10) + 10 : 0,
    datasets.length === 0 ? left + textWidth(EMPTY_NOTE, 11) + 20 : 0,
    240,
  );
  return { width, height: top + plotH + 40 + 18 * legend.length, left, top, plotH, barW, groupW };
}

export function accuracyChart(reports: readonly BenchReport[]): SVGSVGElement {
  const datasets = [...new Set(reports.flatMap((r) => r.summary.datasets.map((d) => d.dataset)))];
  const legend = reports.map((r) => `${r.run.model} (${r.run.preset}, ${r.run.backend})`);
  const withRef = reports.some((r) => Object.keys(r.references).length > 0);
  const { width, height, left, top, plotH: h, barW, groupW } = chartLayout(datasets, legend, withRef);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'accuracy per dataset and model' });
  root.style.maxWidth = '100%';
  root.style.height = 'auto';
  root.dataset.testid = 'chart';
  const y = (acc: number) => top + h - (h * acc) / 100;
  root.append(svg('text', { x: 4, y: top - 6, 'font-size': 10 }, 'accuracy %'));
  for (const t of [0, 25, 50, 75, 100]) {
    root.append(svg('line', { x1: left, x2: width - 10, y1: y(t), y2: y(t), stroke: '#ccc', 'stroke-width': 1 }));
    root.append(svg('text', { x: left - 4, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 10 }, String(t)));
  }
  if (datasets.length === 0) root.append(svg('text', { x: left + 10, y: y(50), 'font-size': 11 }, EMPTY_NOTE));
  datasets.forEach((name, g) => {
    const x0 = left + g * groupW + (groupW - reports.length * barW) / 2;
    reports.forEach((rep, m) => {
      const d = rep.summary.datasets.find((r) => r.dataset === name);
      if (d === undefined) return;
      const bar = svg('rect', { x: x0 + m * barW, y: y(d.accuracy), width: barW - 2, height: Math.max(0, top + h - y(d.accuracy)), fill: COLORS[m % COLORS.length]! });
      bar.dataset.dataset = name;
      bar.dataset.accuracy = d.accuracy.toFixed(2);
      bar.append(svg('title', {}, `${rep.run.model} on ${name}: ${d.accuracy.toFixed(2)}%`));
      root.append(bar);
      const ref = rep.references[name];
      if (ref !== undefined) root.append(svg('line', { x1: x0 + m * barW - 1, x2: x0 + (m + 1) * barW - 1, y1: y(ref), y2: y(ref), stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '3 2' }));
    });
    root.append(svg('text', { x: left + g * groupW + groupW / 2, y: top + h + 14, 'text-anchor': 'middle', 'font-size': 11 }, name));
  });
  legend.forEach((text, m) => {
    const ly = top + h + 32 + 18 * m;
    root.append(svg('rect', { x: left, y: ly - 10, width: 12, height: 12, fill: COLORS[m % COLORS.length]! }));
    root.append(svg('text', { x: left + 18, y: ly, 'font-size': 11 }, text));
  });
  if (withRef) root.append(svg('text', { x: width - 10, y: 10, 'text-anchor': 'end', 'font-size': 10 }, REF_NOTE));
  return root;
}

/**
 * A dataset row against its reference (which scored every sample of the set): 'pass' within 0.5 points,
 * 'fail' below; 'partial' when the run scored only part of the set (a limit that was reached, or a
 * shard), since a subset's accuracy says nothing about the full set's; null without a reference.
 */
export function referenceVerdict(accuracy: number, samples: number, ref: number | undefined, options: { limit: number | null; shard: string | null }): 'pass' | 'fail' | 'partial' | null {
  if (ref === undefined) return null;
  if ((options.limit !== null && samples >= options.limit) || options.shard !== null) return 'partial';
  return accuracy >= ref - 0.5 ? 'pass' : 'fail';
}
