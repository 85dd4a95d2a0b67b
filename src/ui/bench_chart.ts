/**
 * Accuracy per dataset and model as an inline SVG bar chart (no chart library): one group of bars per
 * dataset, one bar per model (run), a tick where a published reference exists.
 */
import type { BenchReport } from '../eval/report.ts';

const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#3465a4', '#f57900', '#4e9a06', '#75507b', '#c4a000', '#cc0000'];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function accuracyChart(reports: readonly BenchReport[]): SVGSVGElement {
  const datasets = [...new Set(reports.flatMap((r) => r.summary.datasets.map((d) => d.dataset)))];
  const barW = 18;
  const gap = 24;
  const groupW = Math.max(1, reports.length) * barW + gap;
  const left = 40;
  const top = 16;
  const h = 160;
  const width = left + datasets.length * groupW + 10;
  const height = top + h + 40 + 18 * reports.length;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'accuracy per dataset and model' });
  root.dataset.testid = 'chart';
  const y = (acc: number) => top + h - (h * acc) / 100;
  for (const t of [0, 25, 50, 75, 100]) {
    root.append(svg('line', { x1: left, x2: width - 10, y1: y(t), y2: y(t), stroke: '#ccc', 'stroke-width': 1 }));
    root.append(svg('text', { x: left - 4, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 10 }, String(t)));
  }
  datasets.forEach((name, g) => {
    const x0 = left + g * groupW + gap / 2;
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
    root.append(svg('text', { x: x0 + (reports.length * barW) / 2, y: top + h + 14, 'text-anchor': 'middle', 'font-size': 11 }, name));
  });
  reports.forEach((rep, m) => {
    const ly = top + h + 32 + 18 * m;
    root.append(svg('rect', { x: left, y: ly - 10, width: 12, height: 12, fill: COLORS[m % COLORS.length]! }));
    root.append(svg('text', { x: left + 18, y: ly, 'font-size': 11 }, `${rep.run.model} (${rep.run.preset}, ${rep.run.backend})`));
  });
  if (reports.some((r) => Object.keys(r.references).length > 0)) {
    root.append(svg('text', { x: width - 10, y: 10, 'text-anchor': 'end', 'font-size': 10 }, 'dashed: reference (same weights, onnxruntime)'));
  }
  return root;
}
