/**
 * The trainer worker's engine over the training core: `Trainer` (src/train/trainer.ts) for the steps,
 * `DatasetSource` / `MixSource` (src/train/sources.ts) over the IndexedDB datasets and synthetic words
 * (src/synth) for the samples. The worker's loop drives
 * `trainStep()` itself (validation, checkpoints and progress are the worker's), so the Trainer gets no
 * store of its own; a checkpoint to resume from is handed to it through a one-checkpoint store.
 */
import { decodeBrowser } from '../src/image/decode_browser.ts';
import { PADDLE_REC_AUG, augment } from '../src/image/augment.ts';
import { Rng } from '../src/image/rng.ts';
import { createBrowserSynth } from '../src/synth/browser.ts';
import { tinySynthOptions, type SynthOptions } from '../src/synth/plan.ts';
import { Trainer } from '../src/train/trainer.ts';
import { DatasetSource, MixSource } from '../src/train/sources.ts';
import type { Checkpoint, CheckpointStore, SampleSource } from '../src/train/types.ts';
import type { EngineInit, TrainEngine } from './trainer_engine.ts';

/** A store that holds one checkpoint: how a resume reaches `Trainer.create`. */
function oneCheckpoint(c: Checkpoint): CheckpointStore {
  return {
    load: (runId, kind) => Promise.resolve(kind === 'latest' && runId === c.runId ? c : null),
    save: () => Promise.resolve(),
    list: () => Promise.resolve([]),
    delete: () => Promise.resolve(),
  };
}

/**
 * Synthetic words for a run: synthetic-only runs use the tiny mode (100×32 crops of a small vocabulary:
 * the shape of a from-scratch smoke run); mixed into real data they are full MJSynth-style words at the
 * model's input height. Labels stay within the model's charset.
 */
export function synthOptionsFor(init: Pick<EngineInit, 'recipe' | 'config' | 'charset'>): SynthOptions {
  const base: SynthOptions = { seed: init.recipe.seed, charset: init.charset, height: init.config.input.height };
  return init.recipe.syntheticRatio >= 1 ? tinySynthOptions(base) : base;
}

/**
 * The run's samples: the datasets (shuffled per epoch; labels longer than 25 or with characters outside
 * the model's charset are left out, as DTRB's and PaddleOCR's loaders do), synthetic words, or a mix.
 */
async function sourceFor(init: EngineInit): Promise<SampleSource> {
  const r = init.recipe;
  const synth = r.syntheticRatio > 0 ? await createBrowserSynth(synthOptionsFor(init)) : null;
  if (synth !== null && r.syntheticRatio >= 1) return synth;
  const datasets = await Promise.all(r.datasets.map((id) => init.openDataset(id)));
  const data = await DatasetSource.create(datasets, { seed: r.seed, filter: { charset: init.charset.symbols.join(''), maxLength: 25, sensitive: !init.charset.lowercase } });
  return synth === null ? data : new MixSource(data, synth, r.syntheticRatio);
}

/** PaddleOCR's RecAug (crop jitter, perspective, blur, noise, colour) seeded from the trainer's RNG. */
const recAug = (img: Parameters<typeof augment>[0], random: () => number) => augment(img, new Rng(Math.floor(random() * 0x100000000)), PADDLE_REC_AUG).image;

export async function createEngine(init: EngineInit): Promise<TrainEngine> {
  const source = await sourceFor(init);
  const trainer = await Trainer.create({
    recipe: init.recipe,
    runId: init.runId,
    config: init.config,
    charset: init.charset,
    init: init.resume?.params ?? init.params,
    source,
    store: init.resume === null ? null : oneCheckpoint(init.resume),
    decode: (b) => decodeBrowser(b),
    augment: recAug,
    // Synthetic-only runs draw fixed 100-wide crops: train at that width, not the preset's widest.
    ...(init.recipe.syntheticRatio >= 1 && init.config.input.resize.mode !== 'stretch' ? { inputWidth: 100 } : {}),
  });
  return {
    get step() {
      return trainer.step;
    },
    async trainStep() {
      const e = await trainer.trainStep();
      return { loss: e.loss, lr: e.lr, samples: init.recipe.batchSize };
    },
    async state() {
      const c = await trainer.checkpoint();
      return { params: c.params, optimizer: c.optimizer, sources: c.sources, rng: c.rng };
    },
    dispose: () => trainer.dispose(),
  };
}
