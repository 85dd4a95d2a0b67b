/**
 * The zoo's compute plan (issue 17): every candidate architecture measured before a training budget is
 * spent, in one run on tfjs wasm in Node (one thread).
 *
 *   node --import ./cli/register.mjs scripts/zoo/plan.ts [--batch 32] [--infer-batch 32] [--train-steps 2]
 *        [--infer-reps 5] [--only name,name] [--skip-train] [--no-cap] [--json out.json]
 * (`--no-cap` lifts the per-candidate training batch caps, to re-check the wasm aborts noted there)
 *
 * Per candidate: trainable parameters, weights on disk in float16 (2 bytes per stored tensor element,
 * BatchNorm statistics included), inference words/s of the model forward + one host read at batch 1 and
 * batched (random input at the preset's training size; preprocessing and decoding excluded), training
 * samples/s (forward, loss, backward, Adam, BatchNorm statistics) at `--batch`, and the 1-minute load
 * average read beside each number. Also which input sizes the PPLCNetV3 backbone takes (output shape).
 * Candidates: the three `*-lcnet` presets (PP-OCRv4 backbone, transferable) and MobileNetV3 variants
 * from scratch (crnn-mv3-en, crnn-mv3-en with the large ×0.5 backbone, rare-mv3, a GA-SPIN + MV3-large).
 */
import { loadavg } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { tf } from '../../src/runtime/tf.ts';
import { startEngineWith } from '../../src/ops/engine.ts';
import { getPreset } from '../../src/models/presets.ts';
import type { ModelConfig } from '../../src/models/config.ts';
import { buildStages, CompiledModel } from '../../src/models/model.ts';
import { countParams, initParams } from '../../src/models/params.ts';
import { trainStep } from '../lib/train_throughput.ts';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

interface Candidate {
  name: string;
  config: ModelConfig;
  /** Input width of the measurements (keep-ratio presets: a typical word crop). */
  width: number;
  note: string;
  /** Training batch cap: spin-lcnet aborts tfjs-wasm at batch 16 (memory access out of bounds; batch 8 runs). */
  maxTrainBatch?: number;
}

function withCharset(c: ModelConfig): ModelConfig {
  return { ...c, charset: 'en_dict_space' };
}

function candidates(): Candidate[] {
  const mv3s = getPreset('crnn-mv3-en');
  const rareMv3 = withCharset(getPreset('rare-mv3'));
  const spinLc = getPreset('spin-lcnet');
  const mv3Large = { ...mv3s, name: 'crnn-mv3l', backbone: rareMv3.backbone, sequence: { kind: 'bilstm', layers: [{ hidden: 96 }, { hidden: 96 }], naming: 'paddle' } } satisfies ModelConfig;
  const spinMv3: ModelConfig = {
    ...rareMv3,
    name: 'spin-mv3',
    transform: spinLc.transform.kind === 'gaspin' ? { ...spinLc.transform, alignCorners: true } : spinLc.transform,
  };
  return [
    { name: 'crnn-lcnet', config: getPreset('crnn-lcnet'), width: 160, note: 'PP-OCRv4 backbone (transfer)' },
    { name: 'rare-lcnet', config: getPreset('rare-lcnet'), width: 160, note: 'PP-OCRv4 backbone (transfer)' },
    { name: 'spin-lcnet', config: getPreset('spin-lcnet'), width: 160, note: 'PP-OCRv4 backbone (transfer)', maxTrainBatch: 8 },
    { name: 'crnn-mv3-en', config: withCharset(mv3s), width: 100, note: 'MV3-small x0.5, scratch' },
    { name: 'crnn-mv3l', config: mv3Large, width: 100, note: 'MV3-large x0.5, scratch' },
    { name: 'rare-mv3', config: rareMv3, width: 100, note: 'MV3-large x0.5, scratch' },
    { name: 'spin-mv3', config: spinMv3, width: 100, note: 'MV3-large x0.5, scratch', maxTrainBatch: 16 },
  ];
}

const load = (): number => Number(loadavg()[0]!.toFixed(1));

function inputOf(c: Candidate, batch: number): tf.Tensor {
  const ch = c.config.input.channels === 'gray' ? 1 : 3;
  return tf.randomUniform([batch, c.config.input.height, c.width, ch], -1, 1, 'float32', 3);
}

async function inferRate(c: Candidate, batch: number, reps: number): Promise<{ wordsPerSec: number; load: number }> {
  const stages = buildStages(c.config);
  const params = initParams(stages.specs, 1);
  const m = new CompiledModel(c.config, params);
  tf.dispose([...params.values()]);
  const x = inputOf(c, batch);
  const once = async (): Promise<void> => {
    const { logits, rectified } = m.forward(x);
    await logits.data();
    tf.dispose([logits, ...(rectified ? [rectified] : [])]);
  };
  try {
    await once();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await once();
    return { wordsPerSec: (1000 * batch * reps) / (performance.now() - t0), load: load() };
  } finally {
    x.dispose();
    m.dispose();
  }
}

async function trainRate(c: Candidate, batch: number, steps: number): Promise<{ samplesPerSec: number; load: number }> {
  const x = inputOf(c, batch);
  const { step, dispose } = trainStep(c.config, x, ['Hello', 'world', 'T3XT!']);
  try {
    await step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return { samplesPerSec: (1000 * batch * steps) / (performance.now() - t0), load: load() };
  } finally {
    dispose();
    x.dispose();
  }
}

/** Output shape of the PPLCNetV3 backbone for input sizes (height 32 needs a 2×2 final pool). */
function lcnetSizes(): string[] {
  const lines: string[] = [];
  for (const [h, pool] of [
    [48, [3, 2]],
    [32, [2, 2]],
  ] as const) {
    for (const w of [100, 160, 320]) {
      const base = getPreset('crnn-lcnet');
      const config: ModelConfig = { ...base, input: { ...base.input, height: h }, backbone: { ...(base.backbone as Extract<ModelConfig['backbone'], { kind: 'pplcnetv3' }>), pool: [pool[0], pool[1]] } };
      const stages = buildStages(config);
      const params = initParams(stages.specs, 1);
      let out: string;
      try {
        const bb = stages.backbone.compile(params);
        const y = bb.apply(tf.zeros([1, h, w, 3]));
        out = `[${y.shape.join(', ')}]`;
        y.dispose();
        bb.dispose();
      } catch (e) {
        out = `fails: ${(e as Error).message}`;
      }
      tf.dispose([...params.values()]);
      lines.push(`  ${h}×${w} (pool ${pool[0]}×${pool[1]}) → ${out}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batch: { type: 'string', default: '32' },
      'infer-batch': { type: 'string', default: '32' },
      'train-steps': { type: 'string', default: '2' },
      'infer-reps': { type: 'string', default: '5' },
      only: { type: 'string' },
      json: { type: 'string' },
      'skip-train': { type: 'boolean', default: false },
      'no-cap': { type: 'boolean', default: false },
    },
  });
  await startEngineWith('wasm', {});
  const batch = Number(values.batch);
  const ib = Number(values['infer-batch']);
  const steps = Number(values['train-steps']);
  const reps = Number(values['infer-reps']);
  const only = values.only?.split(',');
  console.log(`zoo plan on ${tf.getBackend()} (Node, one thread); load at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('PPLCNetV3 input sizes → backbone output [B, H, T, C]:');
  for (const l of lcnetSizes()) console.log(l);
  const rows: Record<string, unknown>[] = [];
  const head = ['model', 'input', 'params', 'fp16 MB', 'w/s b1', 'load', `w/s b${ib}`, 'load', `train s/s b${batch}`, 'load', 'note'];
  console.log(head.join(' | '));
  for (const c of candidates()) {
    if (only !== undefined && !only.includes(c.name)) continue;
    const specs = buildStages(c.config).specs;
    const params = countParams(specs);
    const stored = countParams(specs, false);
    const mb = (2 * stored) / 1e6;
    const b1 = await inferRate(c, 1, reps * 4);
    const bb = await inferRate(c, ib, reps);
    const tb = values['no-cap'] ? batch : Math.min(batch, c.maxTrainBatch ?? batch);
    const tr = values['skip-train'] ? null : await trainRate(c, tb, steps);
    const row = { model: c.name, input: `${c.config.input.height}×${c.width}`, params, fp16MB: mb, b1: b1.wordsPerSec, b1Load: b1.load, batched: bb.wordsPerSec, batchedLoad: bb.load, train: tr?.samplesPerSec ?? null, trainBatch: tb, trainLoad: tr?.load ?? null, note: c.note };
    rows.push(row);
    console.log(
      [c.name, row.input, params.toLocaleString('en'), mb.toFixed(2), b1.wordsPerSec.toFixed(1), b1.load, bb.wordsPerSec.toFixed(1), bb.load, tr === null ? '–' : `${tr.samplesPerSec.toFixed(1)}${tb !== batch ? ` (b${tb})` : ''}`, tr?.load ?? '–', c.note].join(' | '),
    );
  }
  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ batch, inferBatch: ib, rows }, null, 1) + '\n');
}

await main();
