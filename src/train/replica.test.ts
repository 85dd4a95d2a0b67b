/**
 * Data-parallel training (issue 16): the merged gradient of a split batch is the whole batch's, and a
 * Trainer with a worker replica (a real worker thread) trains to the same parameters as one thread; a
 * replica that dies mid-step is a TrainWorkerError with a checkpoint of the last good step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { buildStages } from '../models/model.ts';
import { initParams, toHost } from '../models/params.ts';
import { bnMomentum, TrainableModel } from '../models/training.ts';
import { getCharset } from '../text/charset.ts';
import type { RgbaImage } from '../image/types.ts';
import { labelEncoder, lossFor, lossWeight } from './losses.ts';
import { mergeContributions, prepareBatch, ReplicaCore, splitSizes, type ReplicaSetup } from './replica.ts';
import { nodeReplicas } from './node_replicas.ts';
import { Trainer, trainPreprocess, type TrainerOptions } from './trainer.ts';
import { TrainWorkerError } from './errors.ts';
import { recAugment } from './recipe.ts';
import { tinyRecipe } from './tiny.ts';
import type { TrainRecipe, TrainSample } from './types.ts';
import { MemorySource, MemoryStore, tinyCrnn } from '../testing/train_fixtures.ts';

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string, rel = 1e-4): void {
  expect(a.length, what).toBe(b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst, `${what}: max |Δ| ${worst} of scale ${scale}`).toBeLessThanOrEqual(rel * Math.max(scale, 1e-3));
}

const config = tinyCrnn();
const charset = getCharset(config.charset);
const pre = trainPreprocess(config.input, 100);
const noDecode = (): Promise<RgbaImage> => Promise.reject(new Error('pixels only'));

describe('data-parallel training', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
  });

  it('splits a batch into even contiguous parts, the larger first', () => {
    expect(splitSizes(64, 2)).toEqual([32, 32]);
    expect(splitSizes(5, 2)).toEqual([3, 2]);
    expect(splitSizes(7, 3)).toEqual([3, 2, 2]);
    expect(splitSizes(1, 2)).toEqual([1, 0]);
  });

  for (const bn of ['running', 'batch'] as const) {
    it(`the weighted average of two parts' gradients is the whole batch's (BatchNorm ${bn})`, async () => {
      const encoder = labelEncoder(config, charset);
      const params = initParams(buildStages(config, encoder.numClasses).specs, 7);
      const whole = new TrainableModel(config, params, encoder.numClasses);
      const host = await toHost(params);
      tf.dispose([...params.values()]);
      const setup: ReplicaSetup = { config, charset, frozen: [], pre, batchNorm: bn, params: host };
      const replica = new ReplicaCore(setup, noDecode, recAugment);
      const samples = await new MemorySource(['cat', 'dog', 'bird', 'ox']).next(6);
      const run = async (s: TrainSample[]) => {
        const x = await prepareBatch(s, { decode: noDecode, augment: null, random: () => Math.random, pre });
        const enc = encoder.encode(s.map((e) => e.label));
        const l = lossFor(config, enc);
        const r = whole.lossAndGrads(x, { batchNorm: bn }, l.loss);
        l.dispose();
        x.dispose();
        return { ...r, weight: lossWeight(enc) };
      };
      const full = await run(samples);
      const first = await run(samples.slice(0, 4));
      const second = await replica.compute({ trainable: await toHost(whole.trainable), samples: samples.slice(4), draws: null });
      const merged = mergeContributions([{ loss: (await first.loss.data())[0]!, weight: first.weight, grads: first.grads, bnStats: first.bnStats }, second], bnMomentum(config));
      expect(Object.keys(merged.grads).sort()).toEqual(Object.keys(full.grads).sort());
      if (bn === 'running') {
        expect(merged.loss).toBeCloseTo((await full.loss.data())[0]!, 4);
        for (const [k, g] of Object.entries(full.grads)) expectClose(await merged.grads[k]!.data(), await g.data(), k);
      } else {
        // Batch statistics are per part (DDP without SyncBN): the gradients differ (so do the inputs of every
        // BatchNorm after the first), but the statistics cover every sample and the first BatchNorm's
        // merged batch mean is the whole batch's.
        expect(merged.bnStats.length).toBe(full.bnStats.length);
        for (const [k, st] of full.bnStats.entries()) expect(merged.bnStats[k]!.count).toBe(st.count);
        expectClose(await merged.bnStats[0]!.batchMean.data(), await full.bnStats[0]!.batchMean.data(), full.bnStats[0]!.mean);
      }
      const own = (r: { loss: Tensor; grads: Record<string, Tensor>; bnStats: { batchMean: Tensor; batchVar: Tensor }[] }): Tensor[] => [r.loss, ...Object.values(r.grads), ...r.bnStats.flatMap((s) => [s.batchMean, s.batchVar])];
      tf.dispose([...own(full), ...own(first), ...own(merged as never), ...Object.values(merged.grads)]);
      replica.dispose();
      whole.dispose();
    });
  }

  const recipe = (steps: number, over: Partial<TrainRecipe> = {}): TrainRecipe => ({
    ...tinyRecipe(steps, 6),
    preset: 'crnn-vgg',
    datasets: ['memory'],
    syntheticRatio: 0,
    optimizer: { kind: 'adam', lr: 1e-3 },
    batchNorm: 'frozen',
    seed: 3,
    ...over,
  });
  const options = (r: TrainRecipe, over: Partial<TrainerOptions> = {}): TrainerOptions => ({
    recipe: r,
    runId: 'dp',
    config,
    charset,
    init: null,
    source: new MemorySource(['cat', 'dog', 'bird', 'ox']),
    store: null,
    decode: noDecode,
    augment: recAugment,
    ...over,
  });
  const paramsOf = async (t: Trainer): Promise<Record<string, Float32Array>> => {
    const out: Record<string, Float32Array> = {};
    for (const [k, v] of t.params()) out[k] = (await v.data()) as Float32Array;
    return out;
  };

  const trainers: Trainer[] = [];
  afterAll(async () => {
    for (const t of trainers) {
      t.dispose();
      await t.closeReplicas();
    }
  });

  for (const augment of [false, true]) {
    it(`two steps with a worker replica give the single-thread parameters (augmentation ${augment ? 'on: the same draws' : 'off'})`, async () => {
      const one = await Trainer.create(options(recipe(2, { augment })));
      trainers.push(one);
      const two = await Trainer.create(options(recipe(2, { augment }), { replicas: nodeReplicas(1, { backend: 'wasm' }) }));
      trainers.push(two);
      expect(two.replicaCount).toBe(2);
      const [a, b] = [await one.run(), await two.run()];
      for (const [k, e] of a.history.entries()) expect(b.history[k]!.loss).toBeCloseTo(e.loss, 4);
      const [pa, pb] = [await paramsOf(one), await paramsOf(two)];
      for (const k of Object.keys(pa)) expectClose(pb[k]!, pa[k]!, k, 1e-3);
      // The parameters moved (the comparison is not of two untouched initialisations).
      const init = await toHost(initParams(buildStages(config, labelEncoder(config, charset).numClasses).specs, 3));
      const moved = Object.keys(pa).filter((k) => pa[k]!.some((v, i) => Math.abs(v - init[k]!.data[i]!) > 1e-5));
      expect(moved.length).toBeGreaterThan(10);
      // A data-parallel step leaves the tensor count as it found it (the optimizer's state exists by now).
      const n = tf.memory().numTensors;
      await two.trainStep();
      expect(tf.memory().numTensors).toBe(n);
    });
  }

  it('a replica that dies mid-step: TrainWorkerError, and the checkpoint is the last good step', async () => {
    const store = new MemoryStore();
    const t = await Trainer.create(options(recipe(4), { store, replicas: nodeReplicas(1, { backend: 'wasm', faultAt: { worker: 0, call: 2 } }) }));
    trainers.push(t);
    const err = await t.run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainWorkerError);
    expect((err as Error).message).toMatch(/training replica 1 exited \(code 3\)/);
    const ck = await store.load('dp', 'latest');
    expect(ck?.step).toBe(1);
    // The stream of the checkpoint continues after the first batch: step 2's samples are trained again on resume.
    expect(ck?.sources).toEqual({ pos: 6 });
    expect(ck?.history.map((h) => h.step)).toEqual([1]);
  });
});
