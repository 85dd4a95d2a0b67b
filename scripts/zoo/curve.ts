/**
 * Accuracy-vs-samples curves of zoo runs, drawn to a PNG (issue 17's compute plan):
 *
 *   node --import ./cli/register.mjs scripts/zoo/curve.ts --out docs/models/img/pilot.png \
 *        crnn=.zoo/pilot/crnn/history.json [rare=…/history.json …]
 *
 * Reads each run's `history.json` (written by `webstr train`; phases joined by `+` follow one another on the x axis): every log entry with a validation gives a
 * point (samples seen = step × batch, held-out accuracy %); below it the training loss (mean of 8 steps).
 * Prints the accuracy points too.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

interface History {
  recipe: { batchSize: number; preset: string };
  history: { step: number; loss: number; val?: { accuracy: number } }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

type Ctx = ReturnType<ReturnType<typeof createCanvas>['getContext']>;

/** One chart of series (x = samples seen) in the band [top, top + h) of the canvas. */
function panel(g: Ctx, top: number, W: number, h: number, series: { name: string; points: [number, number][] }[], yLabel: string, yCap: number | null, legend: 'top' | 'bottom' = 'top'): void {
  const m = { l: 60, r: 20, t: 20, b: 40 };
  const maxX = Math.max(1, ...series.flatMap((r) => r.points.map((p) => p[0])));
  const top1 = Math.max(1e-6, ...series.flatMap((r) => r.points.map((p) => p[1]))) * 1.1;
  const maxY = yCap === null ? top1 : Math.min(yCap, Math.max(10, top1));
  const x = (v: number): number => m.l + ((W - m.l - m.r) * v) / maxX;
  const y = (v: number): number => top + h - m.b - ((h - m.t - m.b) * v) / maxY;
  g.strokeStyle = '#888';
  g.lineWidth = 1;
  g.fillStyle = '#333';
  g.font = '12px sans-serif';
  g.beginPath();
  g.moveTo(m.l, top + m.t);
  g.lineTo(m.l, top + h - m.b);
  g.lineTo(W - m.r, top + h - m.b);
  g.stroke();
  for (let i = 0; i <= 5; i++) {
    const vy = (maxY * i) / 5;
    g.fillText(vy.toFixed(maxY < 10 ? 1 : 0), 8, y(vy) + 4);
    const vx = (maxX * i) / 5;
    const tick = vx.toFixed(0);
    g.fillText(tick, Math.min(x(vx) - 10, W - 4 - g.measureText(tick).width), top + h - m.b + 16);
  }
  g.fillText('training samples seen', W / 2 - 60, top + h - 8);
  g.fillText(yLabel, m.l + 10, top + m.t - 4);
  series.forEach((r, i) => {
    g.strokeStyle = COLOURS[i % COLOURS.length]!;
    g.fillStyle = COLOURS[i % COLOURS.length]!;
    g.lineWidth = 2;
    g.beginPath();
    r.points.forEach(([sx, sy], k) => (k === 0 ? g.moveTo(x(sx), y(sy)) : g.lineTo(x(sx), y(sy))));
    g.stroke();
    for (const [sx, sy] of r.points) g.fillRect(x(sx) - 2, y(sy) - 2, 4, 4);
    g.fillText(r.name, W - 300, legend === 'top' ? top + m.t + 16 * (i + 1) : top + h - m.b - 10 - 16 * (series.length - 1 - i));
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: '/tmp/zoo_curve.png' }, title: { type: 'string', default: 'held-out validation accuracy vs training samples' } } });
  const runs: { name: string; points: [number, number][]; loss: [number, number][] }[] = [];
  for (const arg of positionals) {
    const [name, files] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [path.basename(path.dirname(arg)), arg];
    // `a.json+b.json+…`: phases of one model, each starting where the previous one's samples ended.
    const points: [number, number][] = [];
    const loss: [number, number][] = [];
    const presets = new Set<string>();
    let offset = 0;
    for (const file of files.split('+')) {
      const h = JSON.parse(await readFile(file, 'utf8')) as History;
      const b = h.recipe.batchSize;
      presets.add(h.recipe.preset);
      points.push(...h.history.filter((e) => e.val !== undefined).map((e): [number, number] => [offset + e.step * b, e.val!.accuracy]));
      for (let i = 0; i + 8 <= h.history.length; i += 8) {
        const w = h.history.slice(i, i + 8);
        loss.push([offset + w.at(-1)!.step * b, w.reduce((a, e) => a + e.loss, 0) / w.length]);
      }
      offset += (h.history.at(-1)?.step ?? 0) * b;
    }
    const phases = files.split('+').length;
    runs.push({ name: `${name} (${[...presets].join(', ')}${phases > 1 ? `, ${phases} phases` : ''})`, points, loss });
    console.log(`${name}: ${points.map(([s, a]) => `${s}:${a.toFixed(1)}%`).join('  ')}`);
  }
  const W = 720;
  const P = 300;
  const c = createCanvas(W, 2 * P + 30);
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, 2 * P + 30);
  g.fillStyle = '#333';
  g.font = '14px sans-serif';
  g.fillText(values.title, 70, 20);
  panel(g, 30, W, P, runs.map((r) => ({ name: r.name, points: r.points })), 'held-out accuracy %', 100, 'bottom');
  panel(g, 30 + P, W, P, runs.map((r) => ({ name: r.name, points: r.loss })), 'training loss (mean of 8 steps)', null);
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, c.toBuffer('image/png'));
  console.log(`→ ${values.out}`);
}

await main();
