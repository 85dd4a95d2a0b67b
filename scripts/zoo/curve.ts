/**
 * Accuracy-vs-samples curves of zoo runs, drawn to a PNG (issue 17's compute plan):
 *
 *   node --import ./cli/register.mjs scripts/zoo/curve.ts --out docs/models/img/pilot.png \
 *        crnn=.zoo/pilot/crnn/history.json [rare=…/history.json …]
 *
 * Reads each run's `history.json` (written by `webstr train`): every log entry with a validation gives a
 * point (samples seen = step × batch, held-out accuracy %). Prints the points as a table too.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';

interface History {
  recipe: { batchSize: number; preset: string };
  history: { step: number; val?: { accuracy: number } }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: '/tmp/zoo_curve.png' }, title: { type: 'string', default: 'held-out validation accuracy vs training samples' } } });
  const runs: { name: string; points: [number, number][] }[] = [];
  for (const arg of positionals) {
    const [name, file] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [path.basename(path.dirname(arg)), arg];
    const h = JSON.parse(await readFile(file, 'utf8')) as History;
    const points = h.history.filter((e) => e.val !== undefined).map((e): [number, number] => [e.step * h.recipe.batchSize, e.val!.accuracy]);
    runs.push({ name: `${name} (${h.recipe.preset}, batch ${h.recipe.batchSize})`, points });
    console.log(`${name}: ${points.map(([s, a]) => `${s}:${a.toFixed(1)}%`).join('  ')}`);
  }
  const W = 720;
  const H = 420;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const c = createCanvas(W, H);
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  const maxX = Math.max(1, ...runs.flatMap((r) => r.points.map((p) => p[0])));
  const maxY = Math.min(100, Math.max(10, ...runs.flatMap((r) => r.points.map((p) => p[1]))) * 1.1);
  const x = (v: number): number => m.l + ((W - m.l - m.r) * v) / maxX;
  const y = (v: number): number => H - m.b - ((H - m.t - m.b) * v) / maxY;
  g.strokeStyle = '#888';
  g.fillStyle = '#333';
  g.font = '12px sans-serif';
  g.beginPath();
  g.moveTo(m.l, m.t);
  g.lineTo(m.l, H - m.b);
  g.lineTo(W - m.r, H - m.b);
  g.stroke();
  for (let i = 0; i <= 5; i++) {
    const vy = (maxY * i) / 5;
    g.fillText(vy.toFixed(0), 8, y(vy) + 4);
    const vx = (maxX * i) / 5;
    g.fillText(vx.toFixed(0), x(vx) - 10, H - m.b + 16);
  }
  g.fillText('training samples seen', W / 2 - 60, H - 12);
  g.fillText('accuracy %', 8, m.t - 10);
  g.font = '14px sans-serif';
  g.fillText(values.title, m.l + 10, 20);
  runs.forEach((r, i) => {
    g.strokeStyle = COLOURS[i % COLOURS.length]!;
    g.fillStyle = g.strokeStyle;
    g.lineWidth = 2;
    g.beginPath();
    r.points.forEach(([sx, sy], k) => (k === 0 ? g.moveTo(x(sx), y(sy)) : g.lineTo(x(sx), y(sy))));
    g.stroke();
    for (const [sx, sy] of r.points) g.fillRect(x(sx) - 2, y(sy) - 2, 4, 4);
    g.font = '12px sans-serif';
    g.fillText(r.name, m.l + 10, m.t + 16 * (i + 1));
  });
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, c.toBuffer('image/png'));
  console.log(`→ ${values.out}`);
}

await main();
