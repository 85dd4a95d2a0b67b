import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { getPreset } from '../models/presets.ts';
import { CompiledModel } from '../models/model.ts';
import { getCharset } from '../text/charset.ts';
import { loadWeightsDir, saveWeightsDir } from '../weights/node_io.ts';
import { Trainer, trainPreprocess, type TrainerOptions } from './trainer.ts';
import { DirCheckpointStore } from './node_store.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint_codec.ts';
import { TrainCheckpointError, TrainDivergedError, TrainRecipeError } from './errors.ts';
import { DeviceLostError } from '../runtime/errors.ts';
import { tinyRecipe } from './tiny.ts';
import type { Checkpoint, CheckpointStore, TrainEvaluation, TrainRecipe } from './types.ts';
import { MemorySource, MemoryStore, tinyCrnn } from '../testing/train_fixtures.ts';

function recipe(steps: number, over: Partial<TrainRecipe> = {}): TrainRecipe {
  // The tiny run's recipe on crnn-vgg, with Adam and a memory source.
  return { ...tinyRecipe(steps, 4), preset: 'crnn-vgg', datasets: ['memory'], syntheticRatio: 0, optimizer: { kind: 'adam', lr: 1e-3 }, seed: 3, ...over };
}

function options(r: TrainRecipe, store: CheckpointStore | null, over: Partial<TrainerOptions> = {}): TrainerOptions {
  const config = tinyCrnn();
  return {
    recipe: r,
    runId: 't1',
    config,
    charset: getCharset(config.charset),
    init: null,
    source: new MemorySource(),
    store,
    decode: () => Promise.reject(new Error('no bytes in this test')),
    ...over,
  };
}

async function paramsOf(t: Trainer): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of t.params()) out[k] = Array.from(await v.data());
  return out;
}

describe('Trainer (wasm)', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
  });

  it('keeps the tensor count constant across steps (BatchNorm train mode, clipping, Adam)', async () => {
    const t = await Trainer.create(options(recipe(10), null));
    await t.trainStep();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await t.trainStep();
    expect(tf.memory().numTensors).toBe(n);
    t.dispose();
  });

  it('a resumed run equals an uninterrupted one (params incl. BatchNorm statistics, optimizer, source)', async () => {
    const store = new MemoryStore();
    const a = await Trainer.create(options(recipe(2), store));
    await a.run();
    a.dispose();
    const b = await Trainer.create(options(recipe(4), store));
    expect(b.step).toBe(2);
    await b.run();
    const resumed = await paramsOf(b);
    b.dispose();
    const c = await Trainer.create(options(recipe(4), null));
    await c.run();
    const straight = await paramsOf(c);
    c.dispose();
    expect(Object.keys(resumed).sort()).toEqual(Object.keys(straight).sort());
    for (const k of Object.keys(straight)) expect(resumed[k], k).toEqual(straight[k]);
    expect(resumed['FeatureExtraction.ConvNet.12.running_mean']).not.toEqual(new Array(32).fill(0));
  });

  it('pauses with a checkpoint, waits, and continues; loss falls on a repeated toy task', async () => {
    const store = new MemoryStore();
    const phases: string[] = [];
    let pausedAt: { step: number; checkpointed?: number; stepWhileWaiting?: number } | null = null;
    const o = options(recipe(16, { optimizer: { kind: 'adam', lr: 3e-3 } }), store);
    const t = await Trainer.create({
      ...o,
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.step === 3 && p.phase === 'training' && pausedAt === null) t.pause();
        if (p.phase === 'paused') {
          const seen: NonNullable<typeof pausedAt> = { step: p.step, ...(p.checkpointed !== undefined ? { checkpointed: p.checkpointed } : {}) };
          pausedAt = seen;
          setTimeout(() => {
            seen.stepWhileWaiting = t.step;
            t.resume();
          }, 50);
        }
      },
    });
    const r = await t.run();
    // Paused at step 3 with a checkpoint there; nothing trained until resume().
    expect(pausedAt).toEqual({ step: 3, checkpointed: 3, stepWhileWaiting: 3 });
    expect(phases.filter((p) => p === 'paused')).toHaveLength(1);
    expect((await store.load('t1', 'latest'))?.step).toBe(16);
    expect(r.done).toBe(true);
    const h = r.history;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(h.slice(-5).map((e) => e.loss))).toBeLessThan(mean(h.slice(0, 5).map((e) => e.loss)));
    t.dispose();
  });

  it('stop ends the run with a checkpoint, paused or not; a new trainer continues', async () => {
    const store = new MemoryStore();
    const phases: string[] = [];
    const t = await Trainer.create({
      ...options(recipe(6), store),
      onProgress: (p) => {
        phases.push(p.phase);
        if (p.step === 2 && p.phase === 'training') t.pause();
        if (p.phase === 'paused') setTimeout(() => t.stop(), 10);
      },
    });
    const r1 = await t.run();
    expect(r1).toMatchObject({ step: 2, done: false });
    expect(phases.at(-1)).toBe('stopped');
    expect((await store.load('t1', 'latest'))?.step).toBe(2);
    t.dispose();
    const again = await Trainer.create(options(recipe(6), store));
    expect(again.step).toBe(2);
    // A stop asked for before run() (a page's Stop while the run was loading) ends it at once.
    again.stop();
    expect(await again.run()).toMatchObject({ step: 2, done: false });
    expect((await again.run()).done).toBe(true);
    again.dispose();
  });

  it('a non-finite loss stops the run with TrainDivergedError', async () => {
    const t = await Trainer.create(options(recipe(3, { optimizer: { kind: 'sgd', lr: 1e30 }, clipNorm: undefined }), null));
    await expect(t.run()).rejects.toBeInstanceOf(TrainDivergedError);
    t.dispose();
  });

  it('validates before, every N steps and after; keeps the best checkpoint; exports loadable weights', async () => {
    const store = new MemoryStore();
    const accs = [5, 10, 30, 20, 25];
    let k = 0;
    const evaluations: TrainEvaluation[] = [];
    const t = await Trainer.create(
      options(recipe(7, { evalEvery: 2 }), store, {
        validate: () => Promise.resolve({ dataset: 'v', samples: 3, accuracy: accs[k++]!, ned: 0.5 }),
        onProgress: (p) => void (p.evaluation !== undefined && evaluations.push(p.evaluation)),
      }),
    );
    const r = await t.run();
    expect(evaluations.map((e) => `${e.label}@${e.step}:${e.accuracy}`)).toEqual(['before@0:5', 'step@2:10', 'step@4:30', 'step@6:20', 'after@7:25']);
    expect(r.best).toEqual({ step: 4, accuracy: 30 });
    expect((await store.load('t1', 'best'))?.step).toBe(4);
    expect(r.history.filter((e) => e.val !== undefined).map((e) => e.step)).toEqual([2, 4, 6, 7]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'webstr-train-'));
    try {
      const { params, meta } = t.exportWeights();
      await saveWeightsDir(dir, params, meta);
      tf.dispose([...params.values()]);
      const loaded = await loadWeightsDir(dir);
      const m = new CompiledModel(loaded.meta.config, loaded.params);
      const p = m.predict(tf.zeros([1, 32, 100, 1]));
      expect(p.shape).toEqual([1, 24, 37]);
      tf.dispose([p, ...loaded.params.values()]);
      m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    t.dispose();
  });

  it('the validation policy can leave a validation out (a reloaded run does not validate its base again)', async () => {
    const labels: string[] = [];
    const t = await Trainer.create(
      options(recipe(2), null, {
        validate: () => Promise.resolve({ dataset: 'v', samples: 1, accuracy: 1, ned: 1 }),
        validateAt: (label) => label !== 'before',
        onProgress: (p) => void (p.evaluation !== undefined && labels.push(p.evaluation.label)),
      }),
    );
    await t.run();
    expect(labels).toEqual(['after']);
    t.dispose();
  });

  /** A device lost once, after step `at`, and the parameters of a run on it against an uninterrupted one. */
  async function lostOnce(r: TrainRecipe, at: number): Promise<{ notices: string[]; steps: number[]; recovered: Record<string, number[]>; straight: Record<string, number[]> }> {
    let lost = false;
    let fired = false;
    const notices: string[] = [];
    const t = await Trainer.create({
      ...options(r, new MemoryStore()),
      deviceLoss: {
        lost: () => (lost ? new DeviceLostError('destroyed', 'simulated') : null),
        fallback: () => {
          lost = false;
          return Promise.resolve('wasm');
        },
      },
      onProgress: (p) => {
        if (p.step === at && p.phase === 'training' && !fired) lost = fired = true;
        if (p.notice !== undefined) notices.push(p.notice);
      },
    });
    const res = await t.run();
    const recovered = await paramsOf(t);
    t.dispose();
    const c = await Trainer.create(options(r, null));
    await c.run();
    const straight = await paramsOf(c);
    c.dispose();
    return { notices, steps: res.history.map((e) => e.step), recovered, straight };
  }

  it('a lost device: back to the latest checkpoint on the fallback backend, and the result equals an uninterrupted run', async () => {
    const o = await lostOnce(recipe(6, { checkpointEvery: 2 }), 3);
    expect(o.notices).toEqual(['WebGPU device lost (destroyed): simulated; the run went on on wasm from step 2']);
    expect(o.steps).toEqual([1, 2, 3, 4, 5, 6]);
    for (const k of Object.keys(o.straight)) expect(o.recovered[k], k).toEqual(o.straight[k]);
  });

  it('a lost device before the first checkpoint: the run starts again from its start (params, source, RNG)', async () => {
    const o = await lostOnce(recipe(4), 2);
    expect(o.notices).toEqual(['WebGPU device lost (destroyed): simulated; the run went on on wasm from step 0']);
    for (const k of Object.keys(o.straight)) expect(o.recovered[k], k).toEqual(o.straight[k]);
  });

  it('a lost device without a checkpoint store stops the run with DeviceLostError', async () => {
    let lost = false;
    const t = await Trainer.create({
      ...options(recipe(4), null),
      deviceLoss: { lost: () => (lost ? new DeviceLostError('unknown', '') : null), fallback: () => Promise.resolve('wasm') },
      onProgress: (p) => void (p.step === 1 && (lost = true)),
    });
    await expect(t.run()).rejects.toBeInstanceOf(DeviceLostError);
    t.dispose();
  });

  it('refuses bad recipes and foreign checkpoints by name', async () => {
    await expect(Trainer.create(options(recipe(0), null))).rejects.toBeInstanceOf(TrainRecipeError);
    await expect(Trainer.create(options(recipe(3, { batchSize: 0 }), null))).rejects.toBeInstanceOf(TrainRecipeError);
    const store = new MemoryStore();
    const a = await Trainer.create(options(recipe(1), store));
    await a.run();
    a.dispose();
    const c = (await store.load('t1', 'latest'))!;
    await store.save({ ...c, recipe: { ...c.recipe, preset: 'rare-dtrb' } }, 'latest');
    await expect(Trainer.create(options(recipe(2), store))).rejects.toBeInstanceOf(TrainCheckpointError);
    await store.save({ ...c, params: { ...c.params, 'Prediction.bias': { shape: [3], data: new Float32Array(3) } } }, 'latest');
    await expect(Trainer.create(options(recipe(2), store))).rejects.toBeInstanceOf(TrainCheckpointError);
  });
});

describe('checkpoint file and directory store', () => {
  let dir = '';
  let ckpt: Checkpoint;
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
    dir = await mkdtemp(path.join(os.tmpdir(), 'webstr-ckpt-'));
    const t = await Trainer.create(options(recipe(1), null));
    await t.run();
    ckpt = await t.checkpoint();
    t.dispose();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a checkpoint exactly', () => {
    const back = decodeCheckpoint(encodeCheckpoint(ckpt));
    expect(back.step).toBe(ckpt.step);
    expect(back.recipe).toEqual(ckpt.recipe);
    expect(back.sources).toEqual(ckpt.sources);
    expect(back.rng).toBe(ckpt.rng);
    for (const [k, v] of Object.entries(ckpt.params)) expect(Array.from(back.params[k]!.data)).toEqual(Array.from(v.data));
    expect(back.optimizer).toEqual(ckpt.optimizer);
  });

  it('saves atomically, loads, lists, deletes', async () => {
    const store = new DirCheckpointStore(dir);
    expect(await store.load('t1', 'latest')).toBeNull();
    await store.save(ckpt, 'latest');
    expect((await store.load('t1', 'latest'))?.step).toBe(1);
    expect((await store.list()).map((r) => r.runId)).toEqual(['t1']);
    await expect(store.load('../etc', 'latest')).rejects.toBeInstanceOf(TrainCheckpointError);
    await store.delete('t1');
    expect(await store.list()).toEqual([]);
  });

  it('corrupt, truncated or foreign files are TrainCheckpointError', async () => {
    const store = new DirCheckpointStore(dir);
    await store.save(ckpt, 'latest');
    const file = path.join(dir, 't1', 'latest.ckpt');
    const good = new Uint8Array(await readFile(file));
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['text', new TextEncoder().encode('{"runId":"t1"}')],
      ['truncated', good.slice(0, good.length >> 1)],
      ['bit flip', good.map((b, i) => (i === 40 ? b ^ 1 : b))],
      ['tail flip', good.map((b, i) => (i === good.length - 10 ? b ^ 0x80 : b))],
    ];
    for (const [what, bytes] of cases) {
      await writeFile(file, bytes);
      await expect(store.load('t1', 'latest'), what).rejects.toBeInstanceOf(TrainCheckpointError);
    }
    // A valid record whose header lies about a tensor range.
    const lying = encodeCheckpoint({ ...ckpt, params: { x: { shape: [2], data: new Float32Array(2) } } });
    expect(() => decodeCheckpoint(lying.map((b, i) => (i === 9 ? 7 : b)))).toThrow(TrainCheckpointError);
  });
});

describe('trainPreprocess', () => {
  it('ppocr-v4 (keep-ratio-pad-min) trains on padded batches of its minimum width unless told otherwise', () => {
    const p = getPreset('ppocr-v4').input;
    expect(trainPreprocess(p).resize).toEqual({ mode: 'keep-ratio-pad', minWidth: 1, maxWidth: 320, padValue: 0 });
    expect(trainPreprocess(p, 160).resize).toEqual({ mode: 'keep-ratio-pad', minWidth: 1, maxWidth: 160, padValue: 0 });
    expect(trainPreprocess(getPreset('crnn-mv3-en').input).resize).toEqual({ mode: 'keep-ratio-pad', minWidth: 8, maxWidth: 320, padValue: 0 });
  });
});
