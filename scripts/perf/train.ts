/**
 * `npm run perf -- train [--backend wasm,cpu] [--batch N] [--steps N] [--presets a,b] [--stable-steps N] [--json out]`:
 * training throughput (samples/s of a full step: forward, loss, backward, Adam, BatchNorm statistics)
 * for the full-size `crnn-mv3-en` (3×32×100) and `crnn-vgg` (1×32×100) on each backend in one run,
 * BatchNorm in train mode, random inputs and 5-letter labels (decoding is not part of it). Then the
 * tensor count over `--stable-steps` Trainer steps of a tiny CRNN (must not grow). On wasm, a `wasm (backend
 * matMul)` row first measures the same steps with tfjs-wasm's own BatchMatMul (before src/ops/wasm_matmul.ts;
 * `--no-before` leaves it out): the before/after ratio of that change in one run.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { tf } from '../../src/runtime/tf.ts';
import { initBackend, type BackendName } from '../../src/runtime/backend.ts';
import { registerAllKernels } from '../../src/ops/registry.ts';
import { getPreset } from '../../src/models/presets.ts';
import { getCharset } from '../../src/text/charset.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { SeededRng } from '../../src/train/rng.ts';
import type { SampleSource, TrainSample } from '../../src/train/types.ts';
import { setWasmMatMulFastPath } from '../../src/ops/wasm_matmul.ts';
import { throughput } from '../lib/train_throughput.ts';
import { printTable, type PerfContext } from './common.ts';

class NoiseSource implements SampleSource {
  private pos = 0;
  next(n: number): Promise<TrainSample[]> {
    const out: TrainSample[] = [];
    for (let k = 0; k < n; k++) {
      const r = new SeededRng(this.pos++);
      out.push({ image: { width: 100, height: 32, data: new Uint8ClampedArray(100 * 32 * 4).map(() => r.int(256)) }, label: 'ab' });
    }
    return Promise.resolve(out);
  }
  getState(): Record<string, unknown> {
    return { pos: this.pos };
  }
  setState(s: Record<string, unknown>): void {
    this.pos = s.pos as number;
  }
}

async function stability(steps: number): Promise<{ first: number; last: number; max: number; seconds: number }> {
  const config = getPreset('crnn-vgg');
  if (config.backbone.kind === 'vgg') config.backbone.outChannels = 16;
  config.sequence.layers = [{ hidden: 8, linear: 8 }, { hidden: 8, linear: 8 }];
  const t = await Trainer.create({
    recipe: { preset: 'crnn-vgg', init: null, datasets: [], syntheticRatio: 0, validation: null, steps, batchSize: 2, optimizer: { kind: 'adam', lr: 1e-3 }, schedule: { kind: 'cosine', warmup: 10 }, clipNorm: 5, batchNorm: 'train', augment: false, evalEvery: 0, checkpointEvery: 0, seed: 1 },
    runId: 'perf',
    config,
    charset: getCharset(config.charset),
    init: null,
    source: new NoiseSource(),
    store: null,
    decode: () => Promise.reject(new Error('pixels only')),
  });
  const t0 = performance.now();
  await t.trainStep();
  const first = tf.memory().numTensors;
  let max = first;
  for (let i = 1; i < steps; i++) {
    await t.trainStep();
    max = Math.max(max, tf.memory().numTensors);
  }
  const last = tf.memory().numTensors;
  t.dispose();
  return { first, last, max, seconds: (performance.now() - t0) / 1000 };
}

export async function trainSuite(ctx: PerfContext): Promise<number> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      batch: { type: 'string', default: '16' },
      steps: { type: 'string', default: '3' },
      presets: { type: 'string', default: 'crnn-mv3-en,crnn-vgg' },
      'stable-steps': { type: 'string', default: '1000' },
      json: { type: 'string' },
      'no-before': { type: 'boolean', default: false },
    },
  });
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  const stableSteps = Number(values['stable-steps']);
  const backends = (ctx.backends.length > 0 ? ctx.backends : ['wasm', 'cpu']) as BackendName[];
  registerAllKernels();
  const rows: string[][] = [];
  const results: { backend: string; preset: string; batch: number; msPerStep: number; samplesPerSec: number }[] = [];
  for (const backend of backends) {
    if (backend === 'webgpu') {
      console.log('webgpu: not measured in Node (SwiftShader is ~70× slower than wasm here; ENVIRONMENT.md)');
      continue;
    }
    await initBackend(backend, { gpu: undefined });
    if (backend === 'wasm' && !values['no-before']) {
      setWasmMatMulFastPath(false);
      for (const preset of values.presets.split(',')) {
        const r = await throughput(preset, batch, steps);
        results.push({ backend: 'wasm (backend matMul)', preset, batch, msPerStep: r.msPerStep, samplesPerSec: r.samplesPerSec });
        rows.push(['wasm (backend matMul)', preset, String(batch), r.msPerStep.toFixed(0), r.samplesPerSec.toFixed(2)]);
        console.log(`wasm with tfjs-wasm's own BatchMatMul ${preset}: ${r.samplesPerSec.toFixed(2)} samples/s`);
      }
      setWasmMatMulFastPath(true);
    }
    for (const preset of values.presets.split(',')) {
      const r = await throughput(preset, batch, steps);
      results.push({ backend, preset, batch, msPerStep: r.msPerStep, samplesPerSec: r.samplesPerSec });
      rows.push([backend, preset, String(batch), r.msPerStep.toFixed(0), r.samplesPerSec.toFixed(2)]);
      console.log(`${backend} ${preset}: ${r.samplesPerSec.toFixed(2)} samples/s`);
    }
  }
  printTable(['backend', 'preset', 'batch', 'ms/step', 'samples/s'], rows);
  for (const preset of values.presets.split(',')) {
    const w = results.find((r) => r.backend === 'wasm' && r.preset === preset);
    const c = results.find((r) => r.backend === 'cpu' && r.preset === preset);
    if (w && c) console.log(`${preset}: wasm/cpu = ${(w.samplesPerSec / c.samplesPerSec).toFixed(2)}×`);
    const before = results.find((r) => r.backend === 'wasm (backend matMul)' && r.preset === preset);
    if (w && before) console.log(`${preset}: wasm with the matMul wrapper / without = ${(w.samplesPerSec / before.samplesPerSec).toFixed(2)}×`);
  }
  let stable: Awaited<ReturnType<typeof stability>> | null = null;
  if (stableSteps > 0) {
    await initBackend('wasm', { gpu: undefined });
    stable = await stability(stableSteps);
    console.log(`tensor count over ${stableSteps} Trainer steps (tiny CRNN, wasm): after step 1 ${stable.first}, max ${stable.max}, after step ${stableSteps} ${stable.last} (${stable.seconds.toFixed(0)} s)`);
  }
  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ results, stable }, null, 2) + '\n');
  return stable !== null && stable.last !== stable.first ? 1 : 0;
}
