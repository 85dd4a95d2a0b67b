/**
 * One training step against PyTorch 1.13 (scripts/fixtures/train_step.py): a narrowed crnn-vgg (CTC)
 * and rare-dtrb without its transform (GRU attention, teacher forcing), BatchNorm in train mode: the
 * loss, every gradient, and the weights after one Adam step (incl. BatchNorm running statistics) match
 * to 1e-4 relative on cpu and wasm.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { buildStages } from '../models/model.ts';
import { fromSourceLayout } from '../models/params.ts';
import { TrainableModel } from '../models/training.ts';
import { narrowed, type ModelFixture } from '../testing/model_fixtures.ts';
import { getCharset } from '../text/charset.ts';
import { readStateDict } from '../weights/pth/index.ts';
import { importTorchStateDict } from '../weights/torch_import.ts';
import { labelEncoder, lossFor } from './losses.ts';
import { makeOptimizer } from './optim/index.ts';

interface Arr {
  shape: number[];
  data: number[];
}
interface StepFixture {
  preset: string;
  variant: ModelFixture['variant'];
  pth: string;
  input: Arr;
  labels: string[];
  loss: number;
  grads: Record<string, Arr>;
  after: Record<string, Arr>;
}

const DIR = new URL('./fixtures/', import.meta.url);

function maxAbs(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - (b?.[i] ?? 0)));
  return m;
}

describe.each(['cpu', 'wasm'])('one training step matches PyTorch (%s)', (backend) => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const name of ['ctc', 'attn']) {
    it(`${name}: loss, gradients, weights after Adam`, async () => {
      const f = JSON.parse(readFileSync(new URL(`train_step_${name}.json`, DIR), 'utf8')) as StepFixture;
      const config = narrowed({ preset: f.preset, variant: f.variant } as ModelFixture);
      config.transform = { kind: 'none' };
      const sd = await readStateDict(new Uint8Array(readFileSync(new URL(f.pth, DIR))));
      const params = importTorchStateDict(sd, config);
      const model = new TrainableModel(config, params);
      tf.dispose([...params.values()]);
      const specs = buildStages(config).specs;
      const x = tf.tensor(f.input.data, f.input.shape);
      const l = lossFor(config, labelEncoder(config, getCharset(config.charset)).encode(f.labels));
      const r = model.lossAndGrads(x, { batchNorm: 'batch', teacher: l.teacher }, l.loss);
      const loss = (await r.loss.data())[0]!;
      expect(Math.abs(loss - f.loss) / Math.abs(f.loss)).toBeLessThan(1e-4);

      const scale = Math.max(...Object.values(f.grads).map((g) => maxAbs(g.data)));
      for (const spec of specs.filter((s) => s.trainable)) {
        const e = f.grads[spec.name];
        expect(e, spec.name).toBeDefined();
        const want = tf.tidy(() => fromSourceLayout(tf.tensor(e!.data, e!.shape), spec.torchLayout));
        const got = await r.grads[spec.name]!.data();
        const w = await want.data();
        want.dispose();
        expect(maxAbs(got, w) / Math.max(maxAbs(w), 1e-3 * scale), `grad ${spec.name}`).toBeLessThan(1e-4);
      }

      const opt = makeOptimizer('adam', model.trainable, { lr: 1e-3 });
      opt.step(r.grads);
      model.updateRunningStats(r.bnStats);
      tf.dispose([r.loss, ...Object.values(r.grads)]);
      for (const spec of specs) {
        const e = f.after[spec.name]!;
        const want = tf.tidy(() => fromSourceLayout(tf.tensor(e.data, e.shape), spec.torchLayout));
        const got = await model.variables[spec.name]!.data();
        const w = await want.data();
        want.dispose();
        expect(maxAbs(got, w) / Math.max(maxAbs(w), 1e-6), `after ${spec.name}`).toBeLessThan(1e-4);
      }
      opt.dispose();
      l.dispose();
      x.dispose();
      model.dispose();
    }, 60_000);
  }
});
