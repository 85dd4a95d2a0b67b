/**
 * `npm run perf -- synth [--count 400] [--no-browser] [--json out.json]`
 *
 * Samples/s of the synthetic word generator, in Node (@napi-rs/canvas) and in a Chromium worker
 * (OffscreenCanvas, harness page), in one run, for: rendering without augmentation, with the
 * generator's default light augmentation (blur/noise/colour), with PaddleOCR RecAug applied after
 * rendering, and the fixed-size tiny-training mode (100×32, small vocabulary). Plus PaddleOCR RecAug
 * alone on rendered crops (Node). Ratio = Chromium samples/s ÷ Node samples/s of the same mode.
 * The rich style (bundled faces, so Node and Chromium draw the same; and with the fetched fonts in
 * Node). Then `webstr synth`'s path, rendering + PNG + shards on disk, with 1 and 2 worker threads
 * (`--pool-count`, default 600 samples) for both styles: ratio = samples/s ÷ the 1-worker run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PADDLE_REC_AUG, augment } from '../../src/image/augment.ts';
import { Rng } from '../../src/image/rng.ts';
import { type NodeSynthOptions, createNodeSynth } from '../../src/synth/node.ts';
import { SynthPool } from '../../src/synth/node_pool.ts';
import { writeSynthShards } from '../../src/synth/node_shards.ts';
import type { SynthOptions } from '../../src/synth/plan.ts';
import { openSynthHarness } from '../lib/synth_harness.ts';
import type { PageSample } from '../harness/synth_page.ts';
import { printTable, type PerfContext } from './common.ts';

const MODES: { name: string; options: SynthOptions; recAug: boolean }[] = [
  { name: 'render (no augmentation)', options: { seed: 1, augment: false }, recAug: false },
  { name: 'render + default light augmentation', options: { seed: 1 }, recAug: false },
  { name: 'render + PaddleOCR RecAug', options: { seed: 1, augment: false }, recAug: true },
  { name: 'tiny mode: 100×32, 10 words, no augmentation', options: { seed: 1, width: 100, words: ['the', 'and', 'for', 'you', 'with', 'this', 'that', 'have', 'from', 'they'], digitsRatio: 0, augment: false }, recAug: false },
  { name: 'rich style (bundled faces)', options: { seed: 1, style: 'rich', fontCache: false } as SynthOptions, recAug: false },
];

/** Node only: the rich style with whatever scripts/fonts/fetch_fonts.ts has fetched. */
const NODE_ONLY: { name: string; options: NodeSynthOptions }[] = [{ name: 'rich style (fetched fonts)', options: { seed: 1, style: 'rich' } }];

export async function synthSuite(ctx: PerfContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: { count: { type: 'string', default: '400' }, 'pool-count': { type: 'string', default: '600' }, 'no-browser': { type: 'boolean', default: false }, 'no-pool': { type: 'boolean', default: false }, json: { type: 'string' } } });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got ${values.count}`);
  // Node rows also give samples per CPU-second (this process, worker threads included): on a shared
  // machine wall-clock rates follow the load, CPU time much less.
  const rows: { mode: string; where: string; samples: number; samplesPerSecond: number; msPerSample: number; samplesPerCpuSecond: number | null }[] = [];
  let cpu0 = process.cpuUsage();
  const startCpu = (): void => {
    cpu0 = process.cpuUsage();
  };
  const add = (mode: string, where: string, ms: number, n = count): void => {
    const c = process.cpuUsage(cpu0);
    const cpuRate = where.startsWith('node') ? Number(((n * 1e6) / (c.user + c.system)).toFixed(1)) : null;
    rows.push({ mode, where, samples: n, samplesPerSecond: Number(((n * 1000) / ms).toFixed(1)), msPerSample: Number((ms / n).toFixed(2)), samplesPerCpuSecond: cpuRate });
  };
  const BATCH = 50;
  createNodeSynth({ seed: 9 }).nextWithParams(200); // JIT warm-up, so the first mode is not penalised
  for (const m of [...MODES, ...NODE_ONLY.map((x) => ({ ...x, recAug: false }))]) {
    const src = createNodeSynth(m.options);
    src.nextWithParams(20); // fonts and caches warm
    const rng = new Rng(3);
    startCpu();
    const t0 = performance.now();
    for (let done = 0; done < count; done += BATCH) {
      for (const s of src.nextWithParams(Math.min(BATCH, count - done))) if (m.recAug) augment(s.image, rng, PADDLE_REC_AUG);
    }
    add(m.name, 'node', performance.now() - t0);
  }
  {
    const imgs = createNodeSynth({ seed: 2, augment: false }).nextWithParams(count).map((s) => s.image);
    const rng = new Rng(4);
    startCpu();
    const t0 = performance.now();
    for (const img of imgs) augment(img, rng, PADDLE_REC_AUG);
    add('PaddleOCR RecAug alone', 'node', performance.now() - t0);
  }
  if (!values['no-pool']) {
    // webstr synth's path: plan here, render + PNG in N worker threads, shards written in order.
    const poolCount = Number(values['pool-count']);
    for (const [name, options] of [['shards: basic style', { seed: 1 }], ['shards: rich style (fetched fonts)', { seed: 1, style: 'rich' }]] as [string, NodeSynthOptions][]) {
      for (const workers of [1, 2]) {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-perf-synth-'));
        const pool = workers > 1 ? await SynthPool.create(options, workers) : undefined;
        try {
          // Warm-up: fonts registered and glyph caches filled in every thread that renders.
          const warm = createNodeSynth({ ...options, seed: 99 });
          if (pool === undefined) warm.nextWithParams(100);
          else await Promise.all(Array.from({ length: workers }, () => pool.render(warm.plan(100), true)));
          const src = createNodeSynth(options);
          startCpu();
          const t0 = performance.now();
          await writeSynthShards(src, dir, { count: poolCount, name: 'perf', pool });
          add(name, `node, ${workers} worker${workers > 1 ? 's' : ''}`, performance.now() - t0, poolCount);
        } finally {
          await pool?.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
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
    const node = rows.find((x) => x.mode === r.mode && (x.where === 'node' || x.where === 'node, 1 worker'));
    const ratio = node === undefined || node === r ? '' : (r.samplesPerSecond / node.samplesPerSecond).toFixed(2);
    return [r.mode, r.where, String(r.samples), r.samplesPerSecond.toFixed(1), r.msPerSample.toFixed(2), r.samplesPerCpuSecond === null ? '' : r.samplesPerCpuSecond.toFixed(1), ratio];
  });
  printTable(['mode', 'where', 'samples', 'samples/s', 'ms/sample', 'samples/CPU-s', 'ratio vs node (1 worker)'], table);
  if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ rows }, null, 1)}\n`);
  return 0;
}
