/**
 * `npm run perf -- train [--backend wasm,cpu,webgpu] [--batch N] [--steps N] [--presets a,b]
 *   [--webgpu-batch N] [--webgpu-steps N] [--stable-steps N] [--no-before] [--ab SWITCH,…] [--ab-rounds N]
 *   [--workers N,…] [--json out]`:
 * training throughput (samples/s of a full step: forward, loss, backward, Adam, BatchNorm statistics)
 * for the full-size `crnn-mv3-en` (3×32×100) and `crnn-vgg` (1×32×100) on each backend in one run,
 * BatchNorm in train mode, random inputs and 5-letter labels (decoding is not part of it;
 * scripts/lib/train_throughput.ts, one warm-up step then `--steps` timed ones). `--backends` is the same
 * option; the default is wasm,cpu,webgpu.
 * - wasm and cpu run in Node at `--batch`. On wasm, a `wasm (backend matMul)` row first measures the
 *   same steps with tfjs-wasm's own BatchMatMul (before src/ops/tfjs_patches/wasm_matmul.ts; `--no-before` leaves it
 *   out): the before/after ratio of that change in one run. Node rows also give the peak bytes held by
 *   live tensors during one more, profiled step (`peak MiB`: parameters, Adam state, activations).
 * - webgpu runs in Chromium, in the worker of scripts/harness/train.html (train_worker.ts: the backend
 *   started as the product's workers start it, startEngine of src/ops/engine_browser.ts), at
 *   `--webgpu-batch` (default 2) for `--webgpu-steps` (default 1): here WebGPU is SwiftShader, a CPU
 *   emulator, ~25–100× slower than wasm, and the adapter line then says "SwiftShader: not a GPU timing".
 *   The same page also runs wasm at the webgpu batch (the webgpu/wasm ratio is same-browser) and, when
 *   Node wasm is measured, at `--batch` for `--steps` (Chromium wasm / Node wasm). Each Chromium row
 *   gives the warm-up step's ms and tf.memory().numTensors before and after (must be equal). A browser,
 *   page or backend that does not start prints "not measured: <reason>"; a preset that fails prints its
 *   error's name and message in its row; the rest goes on.
 * `--ab matmul,alias,…` measures each switchable speed change (SWITCHES below) off and on, alternately,
 * `--ab-rounds` times on wasm in Node (peak MiB and CPU seconds per step included), and prints on/off of the
 * best of each, in wall time and in CPU time (the one to read on a loaded machine).
 * Then the tensor count over `--stable-steps` Trainer steps of a tiny CRNN in Node on wasm (must not grow;
 * the exit code is 1 if it does).
 * `--workers 1,2` measures data-parallel training instead (and only that): a Trainer per count on wasm in
 * Node, N−1 of them worker-thread replicas (src/train/replica.ts), at `--batch` on 100×32 RGBA noise crops
 * (preprocessing in the step, as a run has it), `--ab-rounds` rounds of `--steps` steps alternating between
 * the counts after one warm-up step each; prints samples/s, process CPU seconds per step (worker threads
 * included) and each count's speed-up over the first, best of the rounds, with the load.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { tf } from '../../src/runtime/tf.ts';
import { type BackendName } from '../../src/runtime/backend.ts';
import { startEngineWith } from '../../src/ops/engine.ts';
import { getPreset } from '../../src/models/presets.ts';
import { getCharset } from '../../src/text/charset.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { nodeReplicas } from '../../src/train/node_replicas.ts';
import { Rng } from '../../src/image/rng.ts';
import type { SampleSource, TrainSample } from '../../src/train/types.ts';
import { setWasmMatMulFastPath, setWasmMatMulSimdTranspose } from '../../src/ops/tfjs_patches/wasm_matmul.ts';
import { setWasmAliasing } from '../../src/ops/tfjs_patches/wasm_alias.ts';
import { setDepthwiseTrainEnabled } from '../../src/ops/depthwise_act/depthwise_act.ts';
import { setBnFusionEnabled } from '../../src/ops/batch_norm/batch_norm.ts';
import { setIm2colTransposed, setWasmMaxPoolGradSimd } from '../../src/ops/tfjs_patches/grad_kernels/kernels.ts';
import { setSeTrainEnabled } from '../../src/ops/se_block/se_block.ts';
import { errorInfo, type ErrorInfo } from '../../src/runtime/errors.ts';
import { throughput, type Throughput } from '../lib/train_throughput.ts';
import type { Harness } from '../lib/harness.ts';
import type { Outcome, TrainBackendInfo, TrainMeasurement } from '../harness/train_worker.ts';
import { printTable, type PerfContext } from './common.ts';

class NoiseSource implements SampleSource {
  private pos = 0;
  next(n: number): Promise<TrainSample[]> {
    const out: TrainSample[] = [];
    for (let k = 0; k < n; k++) {
      const r = new Rng(this.pos++);
      out.push({ image: { width: 100, height: 32, data: new Uint8ClampedArray(100 * 32 * 4).map(() => r.below(256)) }, label: 'ab' });
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
  if (config.sequence.kind === 'bilstm') config.sequence.layers = [{ hidden: 8, linear: 8 }, { hidden: 8, linear: 8 }];
  const t = await Trainer.create({
    recipe: { preset: 'crnn-vgg', init: null, datasets: ['random crops'], syntheticRatio: 0, validation: null, steps, batchSize: 2, optimizer: { kind: 'adam', lr: 1e-3 }, schedule: { kind: 'cosine', warmup: 10 }, clipNorm: 5, batchNorm: 'train', augment: false, evalEvery: 0, checkpointEvery: 0, seed: 1 },
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

interface NodeRow {
  backend: string;
  preset: string;
  batch: number;
  msPerStep: number;
  samplesPerSec: number;
  /** Peak live-tensor bytes of a step (tf.profile), null where not taken. */
  peakBytes: number | null;
}

interface ChromiumRow {
  /** 'webgpu' or 'wasm', in the harness worker. */
  backend: string;
  preset: string;
  batch: number;
  steps: number;
  /** Absent when the preset failed; then `error` says why. */
  result?: TrainMeasurement;
  error?: ErrorInfo;
}

interface ChromiumRun {
  /** Set when nothing ran in Chromium (the browser or the page did not start). */
  notMeasured: string | null;
  /** Per backend that did not start in the page: why. */
  backendNotMeasured: Record<string, string>;
  /** The webgpu backend's adapter, as the worker's capability report gives it. */
  webgpu: TrainBackendInfo | null;
  wasm: TrainBackendInfo | null;
  rows: ChromiumRow[];
}

function errorLine(e: ErrorInfo): string {
  return `${e.name}: ${e.message}`;
}

function adapterLine(a: TrainBackendInfo['adapter']): string {
  const name = `vendor '${a.vendor}', architecture '${a.architecture}', description '${a.description}'`;
  if (!a.software) return `${name}; hardware adapter`;
  const what = a.architecture.toLowerCase() === 'swiftshader' || /swiftshader/i.test(a.description) ? 'SwiftShader' : 'software adapter';
  return `${name}; software (${a.softwareReason}) → ${what}: not a GPU timing`;
}

/**
 * The presets on webgpu and on wasm in Chromium, in the train harness worker (one page, so the
 * webgpu/wasm ratio is same-browser). wasm runs at each of `wasmBatches` for `wasmSteps`, webgpu at
 * `gpuBatch` for `gpuSteps` (SwiftShader here is ~50–100× slower than wasm). A browser, page or backend
 * that does not start, or a preset that fails, is reported and the rest goes on.
 */
async function inChromium(presets: string[], o: { wasmBatches: number[]; wasmSteps: number; gpuBatch: number; gpuSteps: number }): Promise<ChromiumRun> {
  const run: ChromiumRun = { notMeasured: null, backendNotMeasured: {}, webgpu: null, wasm: null, rows: [] };
  let h: Harness;
  try {
    const { openHarness } = await import('../lib/harness.ts');
    h = await openHarness({ page: 'train', outName: 'train_harness', global: 'webstrTrain' });
  } catch (err) {
    run.notMeasured = `Chromium did not start the harness: ${errorLine(errorInfo(err))}`;
    return run;
  }
  const measure = async (backend: string, preset: string, batch: number, steps: number): Promise<void> => {
    const t0 = performance.now();
    const r = await h.call<Outcome<TrainMeasurement>>('measure', preset, batch, steps);
    const row: ChromiumRow = { backend, preset, batch, steps };
    if (r.ok) row.result = r.value;
    else row.error = r.error;
    run.rows.push(row);
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    if (r.ok) console.log(`chromium ${backend} ${preset} batch ${batch}: ${r.value.samplesPerSec.toFixed(3)} samples/s, tensors ${r.value.tensorsBefore} → ${r.value.tensorsAfter} (${s} s with warm-up)`);
    else console.log(`chromium ${backend} ${preset} batch ${batch}: failed: ${errorLine(r.error)} (${s} s)`);
  };
  try {
    for (const backend of ['wasm', 'webgpu'] as const) {
      const started = await h.call<Outcome<TrainBackendInfo>>('init', backend);
      if (!started.ok) {
        run.backendNotMeasured[backend] = errorLine(started.error);
        console.log(`${backend} in Chromium: not measured: ${errorLine(started.error)}`);
        continue;
      }
      run[backend] = started.value;
      if (backend === 'webgpu') console.log(`webgpu adapter (Chromium worker): ${adapterLine(started.value.adapter)}`);
      for (const preset of presets) {
        if (backend === 'wasm') for (const b of o.wasmBatches) await measure(backend, preset, b, o.wasmSteps);
        else await measure(backend, preset, o.gpuBatch, o.gpuSteps);
      }
    }
  } catch (err) {
    run.notMeasured = `the harness page failed: ${errorLine(errorInfo(err))}`;
  } finally {
    await h.close().catch(() => undefined);
  }
  return run;
}

/** Speed changes that can be switched off, for `--ab`: each is measured off and on, alternately, in one run. */
const SWITCHES: Record<string, (on: boolean) => void> = {
  matmul: setWasmMatMulFastPath,
  alias: setWasmAliasing,
  depthwise: setDepthwiseTrainEnabled,
  bn: setBnFusionEnabled,
  /** The matMul wrapper's operand transposes in our SIMD module (off: tfjs-wasm's Transpose). */
  transpose: setWasmMatMulSimdTranspose,
  /** wasm MaxPoolGrad as one SIMD loop (off: the TypeScript loop). */
  maxpool: setWasmMaxPoolGradSimd,
  /** The wasm filter gradient's im2col written transposed (off: row-major, transposed by the matMul wrapper). */
  im2colt: setIm2colTransposed,
  /** The SE block as one kernel forward and one backward in training (off: tfjs's op chain). */
  se: setSeTrainEnabled,
  /** The training changes of issue 16's third pass together (transpose, im2colt, maxpool, se). */
  pass3: (on) => {
    setWasmMatMulSimdTranspose(on);
    setIm2colTransposed(on);
    setWasmMaxPoolGradSimd(on);
    setSeTrainEnabled(on);
  },
  /** The three training changes of issue 16's second pass together. */
  fusions: (on) => {
    setWasmAliasing(on);
    setDepthwiseTrainEnabled(on);
    setBnFusionEnabled(on);
  },
};

/** `--workers`: Trainer throughput at each replica count, alternated, on wasm in Node. */
async function dataParallel(presets: string[], counts: number[], batch: number, steps: number, rounds: number): Promise<number> {
  await startEngineWith('wasm', { gpu: undefined });
  const rows: string[][] = [];
  for (const preset of presets) {
    const config = getPreset(preset);
    const trainers = new Map<number, Trainer>();
    try {
      for (const n of counts) {
        const t0 = performance.now();
        const t = await Trainer.create({
          recipe: { preset, init: null, datasets: ['noise'], syntheticRatio: 0, validation: null, steps: 1_000_000, batchSize: batch, optimizer: { kind: 'adam', lr: 1e-4 }, schedule: { kind: 'constant' }, batchNorm: 'train', augment: false, evalEvery: 0, checkpointEvery: 0, seed: 1, inputWidth: 100 },
          runId: 'perf-dp',
          config,
          charset: getCharset(config.charset),
          init: null,
          source: new NoiseSource(),
          store: null,
          decode: () => Promise.reject(new Error('pixels only')),
          ...(n > 1 ? { replicas: nodeReplicas(n - 1, { backend: 'wasm' }) } : {}),
        });
        trainers.set(n, t);
        await t.trainStep(); // warm-up (and the optimizer's state)
        console.log(`${preset} ×${n}: started and warmed up in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      const got = new Map<number, { sps: number; cpu: number }[]>(counts.map((n) => [n, []]));
      for (let round = 0; round < rounds; round++) {
        for (const n of counts) {
          const t = trainers.get(n)!;
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          for (let i = 0; i < steps; i++) await t.trainStep();
          const sec = (performance.now() - t0) / 1000;
          const c = process.cpuUsage(c0);
          const r = { sps: (batch * steps) / sec, cpu: (c.user + c.system) / 1e6 / steps };
          got.get(n)!.push(r);
          console.log(`${preset} batch ${batch}, ${n} replica${n > 1 ? 's' : ''}: ${r.sps.toFixed(2)} samples/s, ${(sec / steps).toFixed(2)} s/step, ${r.cpu.toFixed(2)} CPU s/step (load ${loadavg()[0]!.toFixed(1)})`);
        }
      }
      const best = (n: number): { sps: number; cpu: number } => got.get(n)!.reduce((a, b) => (b.sps > a.sps ? b : a));
      const base = best(counts[0]!).sps;
      for (const n of counts) rows.push([preset, String(batch), String(n), best(n).sps.toFixed(2), best(n).cpu.toFixed(2), `${(best(n).sps / base).toFixed(2)}×`]);
    } finally {
      for (const t of trainers.values()) {
        t.dispose();
        await t.closeReplicas();
      }
    }
  }
  console.log(`\nData-parallel training, wasm in Node (best of ${rounds} rounds of ${steps} steps, alternated; load now ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  printTable(['preset', 'batch', 'replicas', 'samples/s', 'CPU s/step', `vs ${counts[0]}`], rows);
  return 0;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
}

export async function trainSuite(ctx: PerfContext): Promise<number> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      batch: { type: 'string', default: '16' },
      steps: { type: 'string', default: '3' },
      presets: { type: 'string', default: 'crnn-mv3-en,crnn-vgg' },
      'stable-steps': { type: 'string', default: '1000' },
      'webgpu-batch': { type: 'string', default: '2' },
      'webgpu-steps': { type: 'string', default: '1' },
      json: { type: 'string' },
      'no-before': { type: 'boolean', default: false },
      ab: { type: 'string' },
      'ab-rounds': { type: 'string', default: '2' },
      workers: { type: 'string' },
    },
  });
  const batch = positive('batch', values.batch);
  const steps = positive('steps', values.steps);
  const gpuBatch = positive('webgpu-batch', values['webgpu-batch']);
  const gpuSteps = positive('webgpu-steps', values['webgpu-steps']);
  const stableSteps = Number(values['stable-steps']);
  const presets = values.presets.split(',');
  if (values.workers !== undefined) {
    const counts = values.workers.split(',').map((w) => positive('workers', w));
    return dataParallel(presets, counts, batch, steps, positive('ab-rounds', values['ab-rounds']));
  }
  const backends = (ctx.backends.length > 0 ? ctx.backends : ['wasm', 'cpu', 'webgpu']) as BackendName[];
  const rows: string[][] = [];
  const results: NodeRow[] = [];
  const add = (backend: string, preset: string, r: Throughput): void => {
    results.push({ backend, preset, batch, msPerStep: r.msPerStep, samplesPerSec: r.samplesPerSec, peakBytes: r.peakBytes ?? null });
    rows.push([backend, preset, String(batch), r.msPerStep.toFixed(0), r.samplesPerSec.toFixed(2), r.peakBytes === undefined ? '–' : (r.peakBytes / 2 ** 20).toFixed(1)]);
  };
  for (const backend of backends) {
    if (backend === 'webgpu') continue; // in Chromium, below
    await startEngineWith(backend, { gpu: undefined });
    if (backend === 'wasm' && !values['no-before']) {
      setWasmMatMulFastPath(false);
      for (const preset of presets) {
        const r = await throughput(preset, batch, steps);
        add('wasm (backend matMul)', preset, r);
        console.log(`wasm with tfjs-wasm's own BatchMatMul ${preset}: ${r.samplesPerSec.toFixed(2)} samples/s`);
      }
      setWasmMatMulFastPath(true);
    }
    for (const preset of presets) {
      const r = await throughput(preset, batch, steps, { peak: true });
      add(backend, preset, r);
      console.log(`${backend} ${preset}: ${r.samplesPerSec.toFixed(2)} samples/s`);
    }
  }
  const ab = values.ab?.split(',') ?? [];
  for (const name of ab) {
    const set = SWITCHES[name];
    if (set === undefined) throw new Error(`--ab: unknown switch '${name}': expected one of ${Object.keys(SWITCHES).join(', ')}`);
    await startEngineWith('wasm', { gpu: undefined });
    for (const preset of presets) {
      const got: Record<'off' | 'on', Throughput[]> = { off: [], on: [] };
      // CPU seconds of this process per step (warm-up and profiled step included, the same for both arms):
      // comparable under load, when wall time mostly measures the neighbours.
      const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
      for (let round = 0; round < positive('ab-rounds', values['ab-rounds']); round++) {
        for (const on of [false, true]) {
          set(on);
          const c0 = process.cpuUsage();
          const r = await throughput(preset, batch, steps, { peak: true });
          const c1 = process.cpuUsage(c0);
          const cpuPerStep = (c1.user + c1.system) / 1e6 / (steps + 2);
          got[on ? 'on' : 'off'].push(r);
          cpu[on ? 'on' : 'off'].push(cpuPerStep);
          add(`wasm, ${name} ${on ? 'on' : 'off'}`, preset, r);
          console.log(`wasm ${preset}, ${name} ${on ? 'on' : 'off'}: ${r.samplesPerSec.toFixed(2)} samples/s, ${cpuPerStep.toFixed(2)} CPU s/step, peak ${((r.peakBytes ?? 0) / 2 ** 20).toFixed(0)} MiB (load ${loadavg()[0]!.toFixed(1)})`);
        }
      }
      set(true);
      const best = (rs: Throughput[]): number => Math.max(...rs.map((r) => r.samplesPerSec));
      console.log(`${preset}: ${name} on / off = ${(best(got.on) / best(got.off)).toFixed(2)}× wall (best of ${got.on.length} each, alternated), ${(Math.min(...cpu.off) / Math.min(...cpu.on)).toFixed(2)}× CPU time`);
    }
  }
  let chromium: ChromiumRun | null = null;
  if (backends.includes('webgpu')) {
    // wasm in the same page at the webgpu batch (same-browser ratio) and, when Node wasm ran, at its batch.
    const wasmBatches = [...new Set([gpuBatch, ...(backends.includes('wasm') ? [batch] : [])])];
    chromium = await inChromium(presets, { wasmBatches, wasmSteps: steps, gpuBatch, gpuSteps });
  }
  if (rows.length > 0) {
    console.log('\nNode:');
    printTable(['backend', 'preset', 'batch', 'ms/step', 'samples/s', 'peak MiB'], rows);
  }
  if (chromium !== null) {
    console.log('\nChromium (harness worker):');
    if (chromium.notMeasured !== null) console.log(`webgpu in Chromium: not measured: ${chromium.notMeasured}`);
    for (const [b, why] of Object.entries(chromium.backendNotMeasured)) console.log(`${b} in Chromium: not measured: ${why}`);
    if (chromium.rows.length > 0) {
      const failed = chromium.rows.some((r) => r.error !== undefined);
      printTable(
        ['backend', 'preset', 'batch', 'steps', 'ms/step', 'samples/s', 'warm-up ms', 'tensors before → after', ...(failed ? ['error'] : [])],
        chromium.rows.map((r) =>
          r.result !== undefined
            ? [r.backend, r.preset, String(r.batch), String(r.steps), r.result.msPerStep.toFixed(0), r.result.samplesPerSec.toFixed(3), r.result.warmupMs.toFixed(0), `${r.result.tensorsBefore} → ${r.result.tensorsAfter}${r.result.tensorsAfter === r.result.tensorsBefore ? '' : ' (LEAK)'}`]
            : [r.backend, r.preset, String(r.batch), String(r.steps), 'failed', '-', '-', '-', errorLine(r.error!)],
        ),
      );
    }
    if (chromium.webgpu !== null) console.log(`webgpu adapter: ${adapterLine(chromium.webgpu.adapter)}`);
    if (chromium.wasm !== null) console.log(`Chromium: ${chromium.wasm.userAgent}; crossOriginIsolated ${chromium.wasm.crossOriginIsolated}`);
  }
  console.log('');
  for (const preset of presets) {
    const w = results.find((r) => r.backend === 'wasm' && r.preset === preset);
    const c = results.find((r) => r.backend === 'cpu' && r.preset === preset);
    if (w && c) console.log(`${preset}: wasm/cpu = ${(w.samplesPerSec / c.samplesPerSec).toFixed(2)}×`);
    const before = results.find((r) => r.backend === 'wasm (backend matMul)' && r.preset === preset);
    if (w && before) console.log(`${preset}: wasm with the matMul wrapper / without = ${(w.samplesPerSec / before.samplesPerSec).toFixed(2)}×`);
    const cr = (backend: string, b: number): TrainMeasurement | undefined => chromium?.rows.find((r) => r.backend === backend && r.preset === preset && r.batch === b)?.result;
    const gw = cr('wasm', gpuBatch);
    const gg = cr('webgpu', gpuBatch);
    if (gw && gg) console.log(`${preset}: webgpu/wasm in Chromium (batch ${gpuBatch}) = ${(gg.samplesPerSec / gw.samplesPerSec).toFixed(4)}× (wasm is ${(gw.samplesPerSec / gg.samplesPerSec).toFixed(0)}× faster)`);
    const nw = cr('wasm', batch);
    if (w && nw) console.log(`${preset}: Chromium wasm / Node wasm (batch ${batch}) = ${(nw.samplesPerSec / w.samplesPerSec).toFixed(2)}×`);
  }
  let stable: Awaited<ReturnType<typeof stability>> | null = null;
  if (stableSteps > 0) {
    await startEngineWith('wasm', { gpu: undefined });
    stable = await stability(stableSteps);
    console.log(`tensor count over ${stableSteps} Trainer steps (tiny CRNN, wasm): after step 1 ${stable.first}, max ${stable.max}, after step ${stableSteps} ${stable.last} (${stable.seconds.toFixed(0)} s)`);
  }
  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ results, chromium, stable }, null, 2) + '\n');
  return stable !== null && stable.last !== stable.first ? 1 : 0;
}
