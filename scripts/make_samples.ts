/**
 * Renders the demo's bundled sample crops (public/samples/*.png): a few words in system fonts
 * (DejaVu), dark on light and light on dark, with a little rotation and noise so they look like crops
 * rather than clean type. Our own images: nothing from ../shared goes into the repo.
 * Run: node --import ./cli/register.mjs scripts/make_samples.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlobalFonts, createCanvas } from '@napi-rs/canvas';
import { Rng } from '../src/image/rng.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'public/samples');

for (const f of ['DejaVuSans-Bold.ttf', 'DejaVuSerif.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSans.ttf']) {
  GlobalFonts.registerFromPath(`/usr/share/fonts/truetype/dejavu/${f}`);
}

interface Sample { word: string; font: string; fg: string; bg: string; angle: number }
export const SAMPLES: Sample[] = [
  { word: 'COFFEE', font: 'bold 44px "DejaVu Sans"', fg: '#1b1b1b', bg: '#f2e8d5', angle: -0.03 },
  { word: 'Station', font: '44px "DejaVu Serif"', fg: '#fafafa', bg: '#214a7a', angle: 0.02 },
  { word: 'EXIT', font: 'bold 48px "DejaVu Sans"', fg: '#ffffff', bg: '#1f7a3a', angle: 0 },
  { word: 'open', font: 'bold 44px "DejaVu Sans Mono"', fg: '#b3261e', bg: '#fff8f0', angle: 0.04 },
  { word: '2024', font: 'bold 46px "DejaVu Sans"', fg: '#222222', bg: '#e0e0e0', angle: -0.02 },
  { word: 'Library', font: '42px "DejaVu Sans"', fg: '#3a2a10', bg: '#d9c49a', angle: 0.01 },
];

mkdirSync(out, { recursive: true });
SAMPLES.forEach((s, i) => {
  const probe = createCanvas(10, 10).getContext('2d');
  probe.font = s.font;
  const w = Math.ceil(probe.measureText(s.word).width) + 28;
  const h = 64;
  const c = createCanvas(w, h);
  const ctx = c.getContext('2d');
  ctx.fillStyle = s.bg;
  ctx.fillRect(0, 0, w, h);
  ctx.translate(w / 2, h / 2);
  ctx.rotate(s.angle);
  ctx.font = s.font;
  ctx.fillStyle = s.fg;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(s.word, 0, 2);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const img = ctx.getImageData(0, 0, w, h);
  const r = new Rng(i + 1); // seeded: the noise is the same on every run
  for (let p = 0; p < img.data.length; p += 4) {
    const n = (r.next() - 0.5) * 24;
    for (let k = 0; k < 3; k++) img.data[p + k] = Math.max(0, Math.min(255, img.data[p + k]! + n));
  }
  ctx.putImageData(img, 0, 0);
  const file = path.join(out, `${String(i + 1).padStart(2, '0')}-${s.word.toLowerCase()}.png`);
  writeFileSync(file, c.toBuffer('image/png'));
  console.log(`${path.relative(root, file)} ${w}×${h}`);
});
