/**
 * `npm run perf -- profile [--model NAME] [--images N] [--batch N] [--steps N] [--top N] [--json out]`: where
 * the time goes, per kernel and per stage, on wasm in Node for crnn-mv3-en (the shared PaddleOCR model):
 * - inference: the first N IIIT5K-3000 crops at batch 1 (the model's own preprocessing), preprocessing
 *   included; wall ms per stage (preprocess, transform, backbone, sequence, head; each stage's outputs
 *   read back so the split is honest on a synchronous backend) and tfjs kernel ms (tf.profile) summed by
 *   kernel name. `--model rare` (a shipped name or a weight folder) profiles that model instead;
 * - training: `--steps` profiled steps at `--batch` (random 32×100 inputs, BatchNorm in train mode,
 *   Adam), kernel ms by name.
 * tf.profile reads every kernel's output, so its totals run above the unprofiled wall time; the
 * shares are what to read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tf, type Tensor } from '../../src/runtime/tf.ts';
import { startEngineWith } from '../../src/ops/engine.ts';
import { openFileByteSource } from '../../src/data/node_source.ts';
import { openDtrbDataset } from '../../src/data/dtrb.ts';
import { decodeNode } from '../../src/image/decode_node.ts';
import { preprocess } from '../../src/image/preprocess.ts';
import type { RgbaImage } from '../../src/image/types.ts';
import { buildStages } from '../../src/models/model.ts';
import { swapLeading } from '../../src/models/nn.ts';
import { toDevice } from '../../src/models/params.ts';
import { getPreset } from '../../src/models/presets.ts';
import { toHostWeights, weightsFromOnnx } from '../../src/recognize/load.ts';
import { loadModelNode } from '../../src/recognize/node_load.ts';
import { LMDB_DIR, MV3_EN_ONNX } from '../../src/testing/shared.ts';
import { printTable, type PerfContext } from './common.ts';
import { trainStep } from '../lib/train_throughput.ts';

type KernelTotals = Map<string, { ms: number; calls: number }>;

async function addProfile(totals: KernelTotals, f: () => Promise<void>): Promise<void> {
  const info = await tf.profile(f);
  for (const k of info.kernels) {
    // tf.fused ops appear twice, as the op scope (`fusedConv2d__op`) and as its kernel: keep the kernel.
    if (k.name.endsWith('__op')) continue;
    const ms = await k.kernelTimeMs;
    const t = totals.get(k.name) ?? { ms: 0, calls: 0 };
    t.ms += typeof ms === 'number' ? ms : 0;
    t.calls++;
    totals.set(k.name, t);
  }
}

function printKernels(title: string, totals: KernelTotals, per: number, perLabel: string, top: number): void {
  const all = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const sum = all.reduce((s, [, v]) => s + v.ms, 0);
  const calls = all.reduce((s, [, v]) => s + v.calls, 0);
  console.log(`\n${title}: ${(sum / per).toFixed(2)} kernel ms and ${(calls / per).toFixed(0)} kernel calls per ${perLabel}`);
  printTable(
    ['kernel', `ms/${perLabel}`, 'share', `calls/${perLabel}`, 'µs/call'],
    all.slice(0, top).map(([name, v]) => [name, (v.ms / per).toFixed(3), `${((100 * v.ms) / sum).toFixed(1)}%`, (v.calls / per).toFixed(1), ((1000 * v.ms) / v.calls).toFixed(1)]),
  );
}

export async function profileSuite(ctx: PerfContext): Promise<number> {
  const { values } = parseArgs({
    args: ctx.args,
    options: {
      model: { type: 'string', default: 'crnn-mv3-en' },
      images: { type: 'string', default: '100' },
      batch: { type: 'string', default: '64' },
      steps: { type: 'string', default: '2' },
      top: { type: 'string', default: '20' },
      json: { type: 'string' },
    },
  });
  const n = Number(values.images);
  const top = Number(values.top);
  await startEngineWith('wasm', { gpu: undefined });
  const out: Record<string, unknown> = {};

  if (n > 0) {
    const model = values.model;
    const host =
      model === 'crnn-mv3-en'
        ? await toHostWeights(await weightsFromOnnx(new Uint8Array(readFileSync(MV3_EN_ONNX)), 'crnn-mv3-en', path.basename(MV3_EN_ONNX)))
        : await toHostWeights(await loadModelNode(model));
    const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
    const ds = await openDtrbDataset(src);
    const pixels: RgbaImage[] = [];
    for await (const s of ds.samples({ limit: n })) pixels.push(await decodeNode(s.image));
    await src.close();
    const stages = buildStages(host.config);
    const params = toDevice(host.tensors);
    const tr = stages.transform?.compile(params) ?? null;
    const [bb, sq, hd] = [stages.backbone.compile(params), stages.sequence.compile(params), stages.head.compile(params)];
    tf.dispose([...params.values()]);
    const wall = { preprocess: 0, transform: 0, backbone: 0, sequence: 0, head: 0 };
    const once = (img: RgbaImage, timed: boolean): void => {
      let t = performance.now();
      const lap = (k: keyof typeof wall, y: Tensor): void => {
        y.dataSync();
        const now = performance.now();
        if (timed) wall[k] += now - t;
        t = now;
      };
      const x = preprocess(img, host.config.input);
      lap('preprocess', x);
      const r = tr === null ? x : tr.apply(x);
      lap('transform', r);
      const f = bb.apply(r);
      lap('backbone', f);
      const seq = tf.tidy(() => swapLeading(tf.squeeze(f, [1]))); // [T, B, C], as model.ts
      const s = sq.apply(seq);
      lap('sequence', s);
      const y = tf.tidy(() => tf.softmax(hd.apply(s)));
      lap('head', y);
      tf.dispose([x, r, f, seq, s, y]);
    };
    for (let k = 0; k < 3; k++) once(pixels[k]!, false);
    for (const img of pixels) once(img, true);
    const total = Object.values(wall).reduce((a, b) => a + b, 0);
    console.log(`\ninference, ${model} (${host.config.name}), ${n} IIIT5K crops at batch 1 on wasm: ${(total / n).toFixed(2)} ms per word (stages read back)`);
    printTable(
      ['stage', 'ms/word', 'share'],
      Object.entries(wall).map(([k, v]) => [k, (v / n).toFixed(3), `${((100 * v) / total).toFixed(1)}%`]),
    );
    const totals: KernelTotals = new Map();
    for (const img of pixels) await addProfile(totals, () => Promise.resolve(once(img, false)));
    printKernels('inference kernels', totals, n, 'word', top);
    out.inference = { wall, n, kernels: Object.fromEntries(totals) };
    tr?.dispose();
    bb.dispose();
    sq.dispose();
    hd.dispose();
  }

  const steps = Number(values.steps);
  if (steps > 0) {
    const batch = Number(values.batch);
    const x = tf.randomUniform([batch, 32, 100, 3], -1, 1, 'float32', 2);
    const { step, dispose } = trainStep(getPreset('crnn-mv3-en'), x);
    await step();
    let t0 = performance.now();
    await step();
    const wallMs = performance.now() - t0;
    const totals: KernelTotals = new Map();
    t0 = performance.now();
    for (let i = 0; i < steps; i++) await addProfile(totals, step);
    console.log(`\ntraining step, crnn-mv3-en, batch ${batch}, 32×100, wasm: ${wallMs.toFixed(0)} ms unprofiled (${((1000 * batch) / wallMs).toFixed(1)} samples/s)`);
    printKernels('training kernels', totals, steps, 'step', top);
    out.training = { batch, wallMs, kernels: Object.fromEntries(totals) };
    dispose();
    x.dispose();
  }
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(out, null, 2));
  return 0;
}
