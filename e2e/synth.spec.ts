/**
 * The synthetic word generator in a Chromium worker (harness page built by scripts/lib/synth_harness.ts):
 * with a fixed seed it plans the same labels and render parameters as Node, loads the shipped
 * @fontsource faces with FontFace, and draws sane crops (the size asked for, text that contrasts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { openSynthHarness, type SynthHarness } from '../scripts/lib/synth_harness.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { createNodeSynth } from '../src/synth/node.ts';
import type { PageSample } from '../scripts/harness/synth_page.ts';
import type { SynthSourceState } from '../src/synth/types.ts';

test.describe.configure({ mode: 'serial', timeout: 300_000 });

let harness: SynthHarness;
test.beforeAll(async () => {
  harness = await openSynthHarness();
});
test.afterAll(async () => {
  await harness?.close();
});

const N = 48;
const options = { seed: 42, height: 32, maxWidth: 256 };

test('same seed: the worker plans the same labels and parameters as Node; widths match (the shipped faces, no fallback); crops are sane', async () => {
  await harness.call('create', options);
  const { samples } = await harness.call<{ samples: PageSample[] }>('next', N);
  const node = createNodeSynth(options).nextWithParams(N);
  expect(samples.map((s) => s.label)).toEqual(node.map((s) => s.label));
  expect(samples.map((s) => s.params)).toEqual(node.map((s) => s.params));
  let sameWidth = 0;
  for (const [i, s] of samples.entries()) {
    expect(s.height).toBe(32);
    expect(s.width).toBeGreaterThanOrEqual(8);
    expect(s.width).toBeLessThanOrEqual(256);
    expect(s.contrast, `${s.label} (${s.params.font})`).toBeGreaterThan(40);
    expect(s.mean).toBeGreaterThan(2);
    expect(s.mean).toBeLessThan(253);
    if (s.width === node[i]!.image.width) sameWidth++;
  }
  // Widths come from the rasterisers' text metrics (Chromium's vs Skia in @napi-rs/canvas): nearly all equal.
  console.log(`widths equal to Node's: ${sameWidth}/${N}`);
  expect(sameWidth).toBeGreaterThanOrEqual(Math.floor(N * 0.75));
});

test('the worker\'s crops look like Node\'s: mean |Δ| per channel over equal-size crops (PNGs kept as test output)', async ({}, testInfo) => {
  await harness.call('create', options);
  const { samples } = await harness.call<{ samples: PageSample[] }>('next', 24, { png: true });
  const node = createNodeSynth(options).nextWithParams(24);
  const diffs: number[] = [];
  for (const [i, s] of samples.entries()) {
    expect(s.png).toMatch(/^data:image\/png;base64,/);
    const bytes = Buffer.from(s.png!.split(',')[1]!, 'base64');
    writeFileSync(testInfo.outputPath(`${String(i).padStart(2, '0')}_${s.label}.png`), bytes);
    const img = await decodeNode(new Uint8Array(bytes));
    const ref = node[i]!.image;
    if (img.width !== ref.width) continue;
    let sum = 0;
    for (let k = 0; k < img.data.length; k++) sum += Math.abs(img.data[k]! - ref.data[k]!);
    diffs.push(sum / img.data.length);
  }
  diffs.sort((a, b) => a - b);
  console.log(`mean |Δ| (0–255) Chromium vs Node over ${diffs.length} equal-size crops: median ${diffs[diffs.length >> 1]!.toFixed(2)}, max ${diffs[diffs.length - 1]!.toFixed(2)}`);
  expect(diffs.length).toBeGreaterThanOrEqual(18);
  expect(diffs[diffs.length >> 1]!).toBeLessThan(4);
});

test('getState/setState resume in the worker as in Node; augmentation keeps crops sane', async () => {
  await harness.call('create', options);
  await harness.call('next', 10);
  const state = await harness.call<SynthSourceState>('getState');
  const after = await harness.call<{ samples: PageSample[] }>('next', 5);
  await harness.call('create', options);
  await harness.call('setState', state);
  const again = await harness.call<{ samples: PageSample[] }>('next', 5);
  expect(again.samples.map((s) => s.hash)).toEqual(after.samples.map((s) => s.hash));
  const node = createNodeSynth(options);
  node.setState(state);
  expect(node.nextWithParams(5).map((s) => s.params)).toEqual(after.samples.map((s) => s.params));
  const aug = await harness.call<{ samples: PageSample[] }>('next', 16, { augmentSeed: 3 });
  for (const s of aug.samples) {
    expect(s.width).toBeGreaterThan(0);
    expect(s.height).toBeGreaterThanOrEqual(16);
    expect(s.contrast).toBeGreaterThan(10);
  }
});

test('rich style: the worker loads the patch atlas and plans what Node plans (bundled faces); crops are sane', async () => {
  const rich = { seed: 42, height: 32, maxWidth: 256, style: 'rich' as const };
  await harness.call('create', rich);
  const { samples } = await harness.call<{ samples: PageSample[] }>('next', N);
  const node = createNodeSynth({ ...rich, fontCache: false }).nextWithParams(N);
  expect(samples.map((s) => s.params)).toEqual(node.map((s) => s.params));
  expect(samples.some((s) => s.params.background.kind === 'patch')).toBe(true);
  let sameWidth = 0;
  for (const [i, s] of samples.entries()) {
    expect(s.height).toBe(32);
    expect(s.width).toBeLessThanOrEqual(256);
    expect(s.contrast, `${s.label} (${s.params.font})`).toBeGreaterThan(20);
    if (Math.abs(s.width - node[i]!.image.width) <= 1) sameWidth++;
  }
  console.log(`rich style: widths within 1 px of Node's: ${sameWidth}/${N}`);
  expect(sameWidth).toBeGreaterThanOrEqual(Math.floor(N * 0.6));
  // Pixels: the atlas decoded by Chromium, arcs, JPEG and low resolution as in Node, up to glyph anti-aliasing.
  await harness.call('create', rich);
  const shot = await harness.call<{ samples: PageSample[] }>('next', 24, { png: true });
  const diffs: number[] = [];
  for (const [i, s] of shot.samples.entries()) {
    const img = await decodeNode(new Uint8Array(Buffer.from(s.png!.split(',')[1]!, 'base64')));
    const ref = node[i]!.image;
    if (img.width !== ref.width) continue;
    let sum = 0;
    for (let k = 0; k < img.data.length; k++) sum += Math.abs(img.data[k]! - ref.data[k]!);
    diffs.push(sum / img.data.length);
  }
  diffs.sort((a, b) => a - b);
  console.log(`rich style: mean |Δ| Chromium vs Node over ${diffs.length} equal-size crops: median ${diffs[diffs.length >> 1]!.toFixed(2)}, max ${diffs[diffs.length - 1]!.toFixed(2)}`);
  expect(diffs.length).toBeGreaterThanOrEqual(12);
  expect(diffs[diffs.length >> 1]!).toBeLessThan(6);
});

test('a font the user gives (bytes) draws like the same file in Node; bad bytes are FontLoadError', async () => {
  const file = createRequire(import.meta.url).resolve('@fontsource/lobster/files/lobster-latin-400-normal.woff2');
  const opts = { seed: 5, fonts: ['user-mine'], augment: false as const };
  await harness.call('create', { ...opts, shippedFonts: false, userFonts: [{ name: 'mine.woff2', data: Array.from(readFileSync(file)) }] });
  const { samples } = await harness.call<{ samples: PageSample[] }>('next', 12);
  const copy = `${test.info().outputPath('mine.woff2')}`;
  writeFileSync(copy, readFileSync(file));
  const node = createNodeSynth({ ...opts, fontFiles: [copy] }).nextWithParams(12);
  expect(samples.map((s) => s.params)).toEqual(node.map((s) => s.params));
  const same = samples.filter((s, i) => s.width === node[i]!.image.width).length;
  expect(same).toBeGreaterThanOrEqual(9);
  await expect(harness.call('create', { shippedFonts: false, userFonts: [{ name: 'bad.ttf', data: [1, 2, 3, 4] }] })).rejects.toThrow(/FontLoadError/);
});
