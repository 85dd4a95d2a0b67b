/**
 * The rules a recipe obeys, in one place for the trainer worker and `webstr train`: the recipe check
 * (one set of limits), the longest label a model trains on, the synthetic words of a run, the width of
 * its batches and its augmentation.
 */
import type { ModelConfig } from '../models/config.ts';
import { augment } from '../image/augment.ts';
import { Rng } from '../image/rng.ts';
import type { RgbaImage } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import { tinySynthOptions, type SynthOptions } from '../synth/plan.ts';
import { DEFAULT_WORDS } from '../synth/words.ts';
import { makeSchedule, type Schedule } from './optim/schedules.ts';
import { TrainRecipeError } from './errors.ts';
import { STAGE_NAMES, type TrainRecipe } from './types.ts';

/** The validation-set id of held-out synthetic words (the run's synthetic options under another seed). */
export const SYNTH_VALIDATION = 'synthetic:held-out';

/** The largest batch a recipe may ask for (4× the references' usual 128–256; ~1 GB of input at 32×320×3). */
export const MAX_BATCH = 1024;

/** Throws `TrainRecipeError` naming the first field that cannot run. */
export function checkRecipe(r: TrainRecipe): void {
  const bad = (m: string): never => {
    throw new TrainRecipeError(`recipe: ${m}`);
  };
  const int = (v: number, name: string, min: number, max = Infinity): void => {
    if (!Number.isInteger(v) || v < min || v > max) bad(`${name} must be an integer in [${min}, ${max === Infinity ? '∞' : max}], got ${v}`);
  };
  int(r.steps, 'steps', 1);
  int(r.batchSize, 'batch size', 1, MAX_BATCH);
  int(r.evalEvery, 'evaluation interval', 0);
  int(r.checkpointEvery, 'checkpoint interval', 0);
  int(r.seed, 'seed', 0, 0xffffffff);
  if (!(r.syntheticRatio >= 0 && r.syntheticRatio <= 1)) bad(`synthetic ratio must be in [0, 1], got ${r.syntheticRatio}`);
  if (r.syntheticRatio < 1 && r.datasets.length === 0) bad('choose at least one training dataset, or set the synthetic ratio to 1');
  if (!(r.optimizer.lr > 0 && Number.isFinite(r.optimizer.lr))) bad(`learning rate must be > 0, got ${r.optimizer.lr}`);
  if (r.clipNorm !== undefined && !(r.clipNorm > 0)) bad(`clip norm must be > 0, got ${r.clipNorm}`);
  if (r.batchNorm !== 'train' && r.batchNorm !== 'frozen') bad(`BatchNorm must be 'train' or 'frozen', got '${String(r.batchNorm)}'`);
  if (r.schedule.kind === 'piecewise' && r.schedule.factors.length !== r.schedule.boundaries.length + 1) bad('a piecewise schedule needs one factor more than boundaries');
  if (r.inputWidth !== undefined) int(r.inputWidth, 'input width', 8, 4096);
  if (r.synthetic?.vocabulary !== undefined) int(r.synthetic.vocabulary, 'synthetic vocabulary', 1);
  for (const s of r.freeze ?? []) if (!STAGE_NAMES.includes(s)) bad(`freeze: unknown stage '${String(s)}' (stages: ${STAGE_NAMES.join(', ')})`);
  if (STAGE_NAMES.every((s) => r.freeze?.includes(s) === true)) bad('freeze: every stage frozen leaves nothing to train');
}

/** The learning-rate schedule of a recipe. */
export function scheduleOf(r: TrainRecipe): Schedule {
  const s = r.schedule;
  const base = r.optimizer.lr;
  if (s.kind === 'constant') return makeSchedule({ kind: 'constant', base });
  if (s.kind === 'cosine') return makeSchedule({ kind: 'cosine', base, totalSteps: r.steps, warmupSteps: s.warmup });
  return makeSchedule({ kind: 'piecewise', boundaries: s.boundaries, values: s.factors.map((f) => f * base) });
}

/**
 * The longest label (in characters) a model trains on: an attention head emits `steps` symbols of which
 * the last is the end token; CTC heads take DTRB's 25 (longer labels are left out of the data).
 */
export function maxLabelLength(config: ModelConfig): number {
  return config.head.kind === 'attention' ? config.head.steps - 1 : 25;
}

/** The kind of synthetic words a run draws (see `TrainRecipe.synthetic`). */
export function syntheticKind(r: TrainRecipe): 'tiny' | 'words' {
  return r.synthetic?.kind ?? (r.syntheticRatio >= 1 ? 'tiny' : 'words');
}

/** The synthetic-word options of a run; labels stay within the model's charset. */
export function synthOptionsFor(r: TrainRecipe, config: ModelConfig, charset: Charset): SynthOptions {
  const base: SynthOptions = { seed: r.seed, charset, height: config.input.height };
  if (syntheticKind(r) === 'tiny') {
    const n = r.synthetic?.vocabulary;
    return tinySynthOptions(n === undefined ? base : { ...base, words: DEFAULT_WORDS.slice(0, n) });
  }
  return { ...base, maxLength: maxLabelLength(config) };
}

/** The width of training batches for keep-ratio models; undefined = the preset's widest (stretch models ignore it). */
export function trainWidth(r: TrainRecipe): number | undefined {
  // Tiny synthetic words are 100 wide: train at that width, not the preset's widest.
  return r.inputWidth ?? (r.syntheticRatio >= 1 && syntheticKind(r) === 'tiny' ? 100 : undefined);
}

/** Pixel augmentation driven by the trainer's RNG. */
export type Augmenter = (img: RgbaImage, random: () => number) => RgbaImage;

/** PaddleOCR-style RecAug (crop jitter, perspective, blur, noise, colour): one draw of the trainer's RNG seeds each image's. */
export const recAugment: Augmenter = (img, random) => augment(img, new Rng(Math.floor(random() * 0x100000000))).image;
