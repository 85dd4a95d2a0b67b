/**
 * The one-training-step PyTorch oracle (src/train/fixtures/train_step_*.json) on webgpu in Node
 * through Dawn: loss, gradients and weights after Adam, max relative error per tensor.
 * Usage: LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *   node --import ./cli/register.mjs scripts/train_step_node_gpu.ts
 */
import { readFileSync } from 'node:fs';
import { loadNodeGpu } from '../src/runtime/node_gpu.ts';
import { tf } from '../src/runtime/tf.ts';
import { startEngineWith } from '../src/ops/engine.ts';
import { buildStages } from '../src/models/model.ts';
import { fromSourceLayout } from '../src/models/params.ts';
import { TrainableModel } from '../src/models/training.ts';
import { narrowed, type ModelFixture } from '../src/testing/model_fixtures.ts';
import { getCharset } from '../src/text/charset.ts';
import { readStateDict } from '../src/weights/pth/index.ts';
import { importTorchStateDict } from '../src/weights/torch_import.ts';
import { labelEncoder, lossFor } from '../src/train/losses.ts';
import { makeOptimizer } from '../src/train/optim/index.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

interface Arr {
  shape: number[];
  data: number[];
}
const DIR = new URL('../src/train/fixtures/', import.meta.url);
const maxAbs = (a: ArrayLike<number>, b?: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - (b?.[i] ?? 0)));
  return m;
};

const { gpu, note } = await loadNodeGpu();
if (gpu === undefined) throw new Error(`no WebGPU in Node: ${note}`);
const report = (await startEngineWith('webgpu', { gpu })).report;
console.log(`backend ${report.backend}: ${report.adapter.description || report.adapter.architecture}`);
let worst = 0;
for (const name of ['ctc', 'attn']) {
  const f = JSON.parse(readFileSync(new URL(`train_step_${name}.json`, DIR), 'utf8')) as { preset: string; variant: ModelFixture['variant']; pth: string; input: Arr; labels: string[]; loss: number; grads: Record<string, Arr>; after: Record<string, Arr> };
  const config = narrowed({ preset: f.preset, variant: f.variant } as ModelFixture);
  config.transform = { kind: 'none' };
  const params = importTorchStateDict(await readStateDict(new Uint8Array(readFileSync(new URL(f.pth, DIR)))), config);
  const model = new TrainableModel(config, params);
  tf.dispose([...params.values()]);
  const x = tf.tensor(f.input.data, f.input.shape);
  const l = lossFor(config, labelEncoder(config, getCharset(config.charset)).encode(f.labels));
  const r = model.lossAndGrads(x, { batchNorm: 'batch', teacher: l.teacher }, l.loss);
  const dLoss = Math.abs((await r.loss.data())[0]! - f.loss) / Math.abs(f.loss);
  const scale = Math.max(...Object.values(f.grads).map((g) => maxAbs(g.data)));
  let dGrad = 0;
  const specs = buildStages(config).specs;
  for (const s of specs.filter((q) => q.trainable)) {
    const e = f.grads[s.name]!;
    const w = await tf.tidy(() => fromSourceLayout(tf.tensor(e.data, e.shape), s.torchLayout)).data();
    dGrad = Math.max(dGrad, maxAbs(await r.grads[s.name]!.data(), w) / Math.max(maxAbs(w), 1e-3 * scale));
  }
  const opt = makeOptimizer('adam', model.trainable, { lr: 1e-3 });
  opt.step(r.grads);
  model.updateRunningStats(r.bnStats);
  let dAfter = 0;
  for (const s of specs) {
    const e = f.after[s.name]!;
    const w = await tf.tidy(() => fromSourceLayout(tf.tensor(e.data, e.shape), s.torchLayout)).data();
    dAfter = Math.max(dAfter, maxAbs(await model.variables[s.name]!.data(), w) / Math.max(maxAbs(w), 1e-6));
  }
  worst = Math.max(worst, dLoss, dGrad, dAfter);
  console.log(`webgpu ${name}: loss rel ${dLoss.toExponential(2)}, max grad rel ${dGrad.toExponential(2)}, max weight-after rel ${dAfter.toExponential(2)}`);
}
process.exit(worst <= 1e-4 ? 0 : 1);
