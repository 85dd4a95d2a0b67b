/**
 * A training run's inputs built from its recipe, in one place for the trainer worker and `webstr train`:
 * the sample source (datasets filtered by the model's charset and longest label, synthetic words, or a
 * mix), the augmentation, and the validator (the evaluation core over a Recognizer of the current
 * weights, on a dataset or on held-out synthetic words). In the eval layer because validation is an
 * evaluation (src/train sits below src/eval); what differs between the tab and Node comes in as a
 * `TrainPlatform`.
 */
import type { ImageDecoder, RgbaImage } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import type { ModelConfig } from '../models/config.ts';
import type { DtrbDataset } from '../data/dtrb.ts';
import type { SynthOptions } from '../synth/plan.ts';
import type { SynthSampleSource } from '../synth/types.ts';
import { Recognizer, type RecognizerOptions } from '../recognize/recognizer.ts';
import { DatasetSource, MixSource } from '../train/sources.ts';
import { SampleSourceError } from '../train/errors.ts';
import { maxLabelLength, recAugment, synthOptionsFor, SYNTH_VALIDATION, type Augmenter } from '../train/recipe.ts';
import type { Validator } from '../train/trainer.ts';
import type { SampleSource, TrainRecipe } from '../train/types.ts';
import { evaluate, type EvalDataset, type EvalSample } from './runner.ts';

/** An opened dataset: its samples, the name tables show, and how to let it go. */
export interface OpenedDataset {
  name: string;
  dataset: DtrbDataset;
  close?: () => Promise<void>;
}

/** What differs between the tab and Node. */
export interface TrainPlatform {
  /** A dataset of the recipe by its id (an IndexedDB id in the tab, a path in Node). */
  openDataset(id: string): Promise<OpenedDataset>;
  /** Synthetic words with these options (OffscreenCanvas in the tab, @napi-rs/canvas in Node). */
  synth(options: SynthOptions): Promise<SynthSampleSource>;
  decode: ImageDecoder;
  /** PNG bytes of pixels (held-out synthetic words are scored as encoded images, as datasets are). */
  encodePng(img: RgbaImage): Promise<Uint8Array>;
  /** The rest of the validation Recognizer's options (the tab's bitmap reader and GPU start-up). */
  recognizer?: Omit<RecognizerOptions, 'decoder' | 'maxBatch'>;
}

export interface TrainSetup {
  source: SampleSource;
  augment: Augmenter;
  /** Absent when the recipe has no validation set. */
  validate?: Validator;
  /** Closes the datasets it opened. */
  close(): Promise<void>;
}

const VALIDATION_BATCH = 32;
/** Held-out synthetic words use the run's synthetic options under this seed offset. */
const HELD_OUT_SEED = 1_000_003;

/** Sources, augmentation and validation of `recipe` for a model of `config` and `charset`. */
export async function prepareTraining(recipe: TrainRecipe, model: { config: ModelConfig; charset: Charset }, platform: TrainPlatform, options: { validationName?: string } = {}): Promise<TrainSetup> {
  const { config, charset } = model;
  const opened: OpenedDataset[] = [];
  const close = async (): Promise<void> => {
    for (const d of opened) await d.close?.();
  };
  try {
    const open = async (id: string): Promise<OpenedDataset> => {
      const d = await platform.openDataset(id);
      opened.push(d);
      return d;
    };
    const r = recipe;
    const synth = r.syntheticRatio > 0 ? await platform.synth(synthOptionsFor(r, config, charset)) : null;
    let source: SampleSource;
    if (synth !== null && r.syntheticRatio >= 1) source = synth;
    else {
      if (r.datasets.length === 0) throw new SampleSourceError('the recipe has no training dataset and a synthetic ratio below 1');
      const datasets: DtrbDataset[] = [];
      for (const id of r.datasets) datasets.push((await open(id)).dataset);
      // Labels longer than the model takes or with characters outside its charset are left out, as DTRB's and PaddleOCR's loaders do.
      const data = await DatasetSource.create(datasets, { seed: r.seed, filter: { charset: charset.symbols.join(''), maxLength: maxLabelLength(config), sensitive: !charset.lowercase } });
      source = synth === null ? data : new MixSource(data, synth, r.syntheticRatio);
    }

    const v = r.validation;
    let validate: Validator | undefined;
    if (v !== null) {
      let ds: EvalDataset;
      if (v.dataset === SYNTH_VALIDATION) {
        const o = synthOptionsFor(r, config, charset);
        let samples: EvalSample[] | null = null;
        const count = v.limit ?? 200;
        ds = {
          name: options.validationName ?? 'held-out synthetic words',
          count,
          async *samples() {
            // Made once per run, on first use.
            if (samples === null) {
              const held = await (await platform.synth({ ...o, seed: ((o.seed ?? 0) + HELD_OUT_SEED) >>> 0 })).next(count);
              const out: EvalSample[] = [];
              for (const [i, s] of held.entries()) out.push({ index: i + 1, label: s.label, image: await platform.encodePng(s.image) });
              samples = out;
            }
            yield* samples;
          },
        };
      } else {
        const d = await open(v.dataset);
        ds = { name: options.validationName ?? d.name, count: d.dataset.count, samples: () => d.dataset.samples() };
      }
      validate = async (params) => {
        const recognizer = Recognizer.create({ config, charset, tensors: params }, { ...platform.recognizer, decoder: platform.decode, maxBatch: VALIDATION_BATCH });
        try {
          const report = await evaluate(
            [ds],
            async (images) => (await recognizer.recognizeBatch(images)).map((o) => (o.ok ? { text: o.text, confidence: o.confidence } : { error: `${o.error.name}: ${o.error.message}` })),
            { batchSize: VALIDATION_BATCH, filtering: 'off', ...(v.limit !== undefined ? { limit: v.limit } : {}) },
          );
          const d = report.summary.datasets[0]!;
          return { dataset: ds.name, samples: d.samples, accuracy: d.accuracy, ned: d.oneMinusNed };
        } finally {
          recognizer.dispose();
        }
      };
    }
    return { source, augment: recAugment, ...(validate !== undefined ? { validate } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}
