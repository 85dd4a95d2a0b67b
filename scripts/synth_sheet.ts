/**
 * A contact sheet of synthetic words (Node generator), to look at: `node --import ./cli/register.mjs
 * scripts/synth_sheet.ts [--count 48] [--seed 1] [--out /tmp/synth_sheet.png] [--cols 4] [--augment paddle]
 * [--backgrounds <image|folder>,…] [--tiny] [--style rich] [--font-cache <dir>|none]` (`--tiny`:
 * `tinySynthOptions`, 100×32; `--style rich`: the rich style, with the fetched fonts when present).
 * Each cell shows the crop at 2× with its label and font below.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';
import { PADDLE_REC_AUG, augment } from '../src/image/augment.ts';
import { Rng } from '../src/image/rng.ts';
import { createNodeSynth, loadBackgroundImages } from '../src/synth/node.ts';
import { tinySynthOptions } from '../src/synth/plan.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const { values } = parseArgs({
  options: { count: { type: 'string', default: '48' }, seed: { type: 'string', default: '1' }, out: { type: 'string', default: '/tmp/synth_sheet.png' }, cols: { type: 'string', default: '4' }, augment: { type: 'string', default: 'none' }, backgrounds: { type: 'string' }, tiny: { type: 'boolean', default: false }, style: { type: 'string', default: 'basic' }, 'font-cache': { type: 'string' } },
});
const count = Number(values.count);
const cols = Number(values.cols);
const backgroundImages = values.backgrounds === undefined ? undefined : await loadBackgroundImages(values.backgrounds.split(','));
const fontCache = values['font-cache'] === undefined ? undefined : values['font-cache'] === 'none' ? (false as const) : values['font-cache'];
const base = { seed: Number(values.seed), backgroundImages, style: values.style as 'basic' | 'rich', fontCache };
const src = createNodeSynth(values.tiny ? tinySynthOptions(base) : base);
const samples = src.nextWithParams(count);
const rng = new Rng(Number(values.seed));
const images = samples.map((s) => (values.augment === 'paddle' ? augment(s.image, rng, PADDLE_REC_AUG).image : s.image));
const cellW = 2 * Math.max(...images.map((i) => i.width)) + 8;
const cellH = 2 * 32 + 22;
const rows = Math.ceil(count / cols);
const sheet = createCanvas(cols * cellW, rows * cellH);
const ctx = sheet.getContext('2d');
ctx.fillStyle = '#888';
ctx.fillRect(0, 0, sheet.width, sheet.height);
const tile = createCanvas(8, 8);
const tctx = tile.getContext('2d');
images.forEach((img, i) => {
  const x = (i % cols) * cellW + 4;
  const y = Math.floor(i / cols) * cellH + 4;
  tile.width = img.width;
  tile.height = img.height;
  const id = tctx.createImageData(img.width, img.height);
  id.data.set(img.data);
  tctx.putImageData(id, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, x, y, img.width * 2, img.height * 2);
  ctx.fillStyle = '#000';
  ctx.font = '12px "DejaVu Sans"';
  ctx.fillText(`${samples[i]!.label}  ${samples[i]!.params.font.replace(/^(webstr|fs)-/, '')}`, x, y + img.height * 2 + 13);
});
writeFileSync(values.out, sheet.toBuffer('image/png'));
console.log(`wrote ${values.out}: ${count} samples, seed ${values.seed}, ${src.options.fonts.length} faces`);
