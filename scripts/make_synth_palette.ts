/**
 * Colours and textures of real word crops for the synthetic generator's rich style, from the shared
 * *training* splits only (never a test split):
 *
 *   node --import ./cli/register.mjs scripts/make_synth_palette.ts [--data ../shared/data/lmdb] [--patches 256]
 *
 * Per crop: two-means clustering of its pixels; the cluster that owns most of the crop's border is the
 * background, the other the text. Pairs whose colours are too close (a failed split) are dropped. The
 * (text, background) pairs go into `src/synth/real_colors.ts`; the crops with the clearest split and
 * the most background texture have their text pixels (grown by two pixels) filled in from the
 * surrounding background, and are scaled to 96 × 32 into one JPEG atlas, `src/synth/assets/patches.jpg`,
 * whose patch i keeps the text colour of its crop.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCanvas } from '@napi-rs/canvas';
import { openDatasetPath } from '../src/data/node_shards.ts';
import { warp } from '../src/image/augment.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import type { RgbaImage } from '../src/image/types.ts';
import { LMDB_DIR } from '../src/testing/shared.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const TRAIN_SPLITS = ['iiit5k_train_2000', 'ic15_train_4468', 'svt_train_257'];
const PW = 96;
const PH = 32;
const COLS = 16;

type Rgb = [number, number, number];

interface Split {
  fg: Rgb;
  bg: Rgb;
  /** Distance of the two colours (0–441). */
  gap: number;
  /** Fraction of border pixels in the background cluster. */
  border: number;
  /** Std of the background pixels (texture). */
  texture: number;
  textMask: Uint8Array;
}

const dist = (a: Rgb, b: Rgb): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

function split(img: RgbaImage): Split | null {
  const n = img.width * img.height;
  if (n < 64) return null;
  const d = img.data;
  // Two-means from the darkest and brightest pixels (by luma).
  let lo = 0;
  let hi = 0;
  const luma = (i: number): number => 0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!;
  for (let i = 1; i < n; i++) { if (luma(i) < luma(lo)) lo = i; if (luma(i) > luma(hi)) hi = i; }
  let c: [Rgb, Rgb] = [[d[lo * 4]!, d[lo * 4 + 1]!, d[lo * 4 + 2]!], [d[hi * 4]!, d[hi * 4 + 1]!, d[hi * 4 + 2]!]];
  const label = new Uint8Array(n);
  for (let it = 0; it < 8; it++) {
    const sum = [[0, 0, 0, 0], [0, 0, 0, 0]];
    for (let i = 0; i < n; i++) {
      const p: Rgb = [d[i * 4]!, d[i * 4 + 1]!, d[i * 4 + 2]!];
      const k = dist(p, c[0]) <= dist(p, c[1]) ? 0 : 1;
      label[i] = k;
      sum[k]![0]! += p[0]; sum[k]![1]! += p[1]; sum[k]![2]! += p[2]; sum[k]![3]! += 1;
    }
    c = [0, 1].map((k) => (sum[k]![3]! > 0 ? [sum[k]![0]! / sum[k]![3]!, sum[k]![1]! / sum[k]![3]!, sum[k]![2]! / sum[k]![3]!] : c[k]!)) as [Rgb, Rgb];
  }
  const { width: w, height: h } = img;
  let b0 = 0;
  let bn = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x === 0 || y === 0 || x === w - 1 || y === h - 1) { bn++; if (label[y * w + x] === 0) b0++; }
  const bgK = b0 * 2 >= bn ? 0 : 1;
  const border = bgK === 0 ? b0 / bn : 1 - b0 / bn;
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (let i = 0; i < n; i++) if (label[i] === bgK) { const l = luma(i); s += l; s2 += l * l; m++; }
  const texture = m > 0 ? Math.sqrt(Math.max(0, s2 / m - (s / m) ** 2)) : 0;
  const textMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) textMask[i] = label[i] === bgK ? 0 : 1;
  const round = (x: Rgb): Rgb => [Math.round(x[0]), Math.round(x[1]), Math.round(x[2])];
  return { fg: round(c[1 - bgK]!), bg: round(c[bgK]), gap: dist(c[0], c[1]), border, texture, textMask };
}

/** The crop with its text pixels (grown by 2 px) replaced by the mean of the known neighbours, ring by ring. */
function inpaint(img: RgbaImage, text: Uint8Array): RgbaImage {
  const { width: w, height: h } = img;
  const unknown = new Uint8Array(text);
  for (let r = 0; r < 2; r++) {
    const grown = new Uint8Array(unknown);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (unknown[y * w + x]) for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) { const X = x + dx!; const Y = y + dy!; if (X >= 0 && Y >= 0 && X < w && Y < h) grown[Y * w + X] = 1; }
    unknown.set(grown);
  }
  const out = new Uint8ClampedArray(img.data);
  for (let pass = 0; pass < w + h; pass++) {
    const fill: [number, number, number, number][] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!unknown[y * w + x]) continue;
        let k = 0;
        const sum = [0, 0, 0];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const X = x + dx;
          const Y = y + dy;
          if (X < 0 || Y < 0 || X >= w || Y >= h || unknown[Y * w + X]) continue;
          for (let ch = 0; ch < 3; ch++) sum[ch]! += out[(Y * w + X) * 4 + ch]!;
          k++;
        }
        if (k > 0) fill.push([y * w + x, sum[0]! / k, sum[1]! / k, sum[2]! / k]);
      }
    }
    if (fill.length === 0) break;
    for (const [i, r, g, b] of fill) { out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b; unknown[i] = 0; }
  }
  return { width: w, height: h, data: out };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string', default: LMDB_DIR }, patches: { type: 'string', default: '256' } } });
  const pairs: [Rgb, Rgb][] = [];
  const candidates: { img: RgbaImage; s: Split; score: number }[] = [];
  for (const name of TRAIN_SPLITS) {
    const ds = await openDatasetPath(path.join(values.data, name));
    let n = 0;
    try {
      for await (const sample of ds.dataset.samples()) {
        const img = await decodeNode(sample.image).catch(() => null);
        if (img === null) continue;
        const s = split(img);
        n++;
        if (s === null || s.gap < 60 || s.border < 0.7) continue;
        pairs.push([s.fg, s.bg]);
        if (img.height >= 16 && img.width >= 32) candidates.push({ img, s, score: s.texture * s.border });
      }
    } finally {
      await ds.close();
    }
    console.log(`${name}: ${n} crops read, ${pairs.length} pairs so far`);
  }
  // The most textured of the cleanly split crops (textured, but not so busy that the split failed).
  const count = Math.min(Number(values.patches), candidates.length);
  candidates.sort((a, b) => b.score - a.score);
  const stride = Math.max(1, Math.floor(candidates.length / (count * 8)));
  // A patch must come out without legible text: split the cleaned patch again, and refuse it when a
  // second colour 28 or more away still covers 3% of it (the first split took the text for the background).
  const chosen: { img: RgbaImage; s: Split; clean: RgbaImage }[] = [];
  let refused = 0;
  for (const [i, c] of candidates.entries()) {
    if (chosen.length >= count) break;
    if (i % stride !== 0) continue;
    const frac = c.s.textMask.reduce((a, b) => a + b, 0) / c.s.textMask.length;
    if (frac < 0.08 || frac > 0.5) continue;
    const clean = inpaint(c.img, c.s.textMask);
    const again = split(clean);
    const left = again === null ? 0 : again.textMask.reduce((a, b) => a + b, 0) / again.textMask.length;
    if (again !== null && again.gap > 28 && left > 0.03) { refused++; continue; }
    chosen.push({ ...c, clean });
  }
  console.log(`${refused} patches refused: text still visible after filling in`);
  const rows = Math.ceil(chosen.length / COLS);
  const atlas = createCanvas(COLS * PW, rows * PH);
  const actx = atlas.getContext('2d');
  const fgs: Rgb[] = [];
  const bgs: Rgb[] = [];
  chosen.forEach(({ img, s, clean }, i) => {
    const small = warp(clean, PW, PH, (x, y, out) => { out[0] = (x / PW) * img.width; out[1] = (y / PH) * img.height; });
    const id = actx.createImageData(PW, PH);
    id.data.set(small.data);
    actx.putImageData(id, (i % COLS) * PW, Math.floor(i / COLS) * PH);
    fgs.push(s.fg);
    const mean = [0, 0, 0];
    for (let k = 0; k < small.data.length; k += 4) for (let c = 0; c < 3; c++) mean[c]! += small.data[k + c]! / (PW * PH);
    bgs.push(mean.map(Math.round) as Rgb);
  });
  const assets = path.join('src', 'synth', 'assets');
  mkdirSync(assets, { recursive: true });
  const jpeg = atlas.toBuffer('image/jpeg', 90);
  writeFileSync(path.join(assets, 'patches.jpg'), jpeg);
  const flat = (cs: Rgb[]): string => Buffer.from(cs.flat()).toString('base64');
  const ts = `/**
 * Colours of real word crops (generated by scripts/make_synth_palette.ts from the training splits
 * ${TRAIN_SPLITS.join(', ')}; do not edit): ${pairs.length} (text, background) pairs, and the
 * text colour and the mean colour of each of the ${chosen.length} background patches in assets/patches.jpg
 * (${PW} × ${PH} each, ${COLS} per row, text removed).
 */
export const REAL_PAIRS_B64 = '${flat(pairs.flat())}';
export const PATCH_TEXT_B64 = '${flat(fgs)}';
export const PATCH_MEAN_B64 = '${flat(bgs)}';
export const PATCH_COUNT = ${chosen.length};
export const PATCH_SIZE: readonly [number, number] = [${PW}, ${PH}];
export const PATCH_COLUMNS = ${COLS};
`;
  writeFileSync(path.join('src', 'synth', 'real_colors.ts'), ts);
  console.log(`${pairs.length} colour pairs → src/synth/real_colors.ts; ${chosen.length} patches → ${path.join(assets, 'patches.jpg')} (${(jpeg.length / 1024).toFixed(0)} KB)`);
}

await main();
