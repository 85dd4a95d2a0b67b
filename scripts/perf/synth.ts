/**
 * `npm run perf -- synth [--count 400] [--no-browser] [--json out.json]`
 *
 * Samples/s of the synthetic word generator, in Node (@napi-rs/canvas) and in a Chromium worker
 * (OffscreenCanvas, harness page), in one run, for: rendering without augmentation, with the
 * generator's default light augmentation (blur/noise/colour), with PaddleOCR RecAug applied after
 * rendering, and the fixed-size tiny-training mode (100×32, small vocabulary). Plus PaddleOCR RecAug
 * alone on rendered crops (Node). Ratio = Chromium samples/s ÷ Node samples/s of the same mode.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PADDLE_REC_AUG, augment } from '../../src/image/augment.ts';
import { Rng } from '../../src/image/rng.ts';
import { createNodeSynth } from '../../src/synth/node.ts';
import type { SynthOptions } from '../../src/synth/plan.ts';
import { openSynthHarness } from '../lib/synth_harness.ts';
import type { PageSample } from '../harness/synth_page.ts';
import { printTable, type PerfContext } from './common.ts';

const MODES: { name: string; options: SynthOptions; recAug: boolean }[] = [
  { name: 'render (no augmentation)', options: { seed: 1, augment: false }, recAug: false },
  { name: 'render + default light augmentation', options: { seed: 1 }, recAug: false },
  { name: 'render + PaddleOCR RecAug', options: { seed: 1, augment: false }, recAug: true },
  { name: 'tiny mode: 100×32, 10 words, no augmentation', options: { seed: 1, width: 100, words: ['the', 'and', 'for', 'you', 'with', 'this', 'that', 'have', 'from', 'they'], digitsRatio: 0, augment: false }, recAug: false },
];

export async function synthSuite(ctx: PerfContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: { count: { type: 'string', default: '400' }, 'no-browser': { type: 'boolean', default: false }, json: { type: 'string' } } });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${values.count}`);
  const rows: { mode: string; where: string; samples: number; samplesPerSecond: number; msPerSample: number }[] = [];
  const add = (mode: string, where: string, ms: number): void => {
    rows.push({ mode, where, samples: count, samplesPerSecond: Number(((count * 1000) / ms).toFixed(1)), msPerSample: Number((ms / count).toFixed(2)) });
  };
  const BATCH = 50;
  createNodeSynth({ seed: 9 }).nextWithParams(200); // JIT warm-up, so the first mode is not penalised
  for (const m of MODES) {
    const src = createNodeSynth(m.options);
    src.nextWithParams(20); // fonts and caches warm
    const rng = new Rng(3);
    const t0 = performance.now();
    for (let done = 0; done < count; done += BATCH) {
      for (const s of src.nextWithParams(Math.min(BATCH, count - done))) if (m.recAug) augment(s.image, rng, PADDLE_REC_AUG);
    }
    add(m.name, 'node', performance.now() - t0);
  }
  {
    const imgs = createNodeSynth({ seed: 2, augment: false }).nextWithParams(count).map((s) => s.image);
    const rng = new Rng(4);
    const t0 = performance.now();
    for (const img of imgs) augment(img, rng, PADDLE_REC_AUG);
    add('PaddleOCR RecAug alone', 'node', performance.now() - t0);
  }
  if (!values['no-browser']) {
    const h = await openSynthHarness();
    try {
      for (const m of MODES) {
        await h.call('create', m.options);
        await h.call('next', m === MODES[0] ? 200 : 20, { augmentSeed: m.recAug ? 3 : null });
        let ms = 0;
        for (let done = 0; done < count; done += BATCH) {
          const r = await h.call<{ samples: PageSample[]; ms: number }>('next', Math.min(BATCH, count - done), { augmentSeed: m.recAug ? 3 : null });
          ms += r.ms; // time inside the worker (plan + render + augmentation), not the page's summaries
        }
        add(m.name, 'chromium worker', ms);
      }
    } finally {
      await h.close();
    }
  }
  const table = rows.map((r) => {
    const node = rows.find((x) => x.mode === r.mode && x.where === 'node');
    const ratio = r.where === 'node' || node === undefined ? '' : (r.samplesPerSecond / node.samplesPerSecond).toFixed(2);
    return [r.mode, r.where, String(r.samples), r.samplesPerSecond.toFixed(1), r.msPerSample.toFixed(2), ratio];
  });
  printTable(['mode', 'where', 'samples', 'samples/s', 'ms/sample', 'ratio vs node'], table);
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ rows }, null, 1)}\n`);
  return 0;
}
