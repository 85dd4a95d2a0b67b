import { describe, expect, it } from 'vitest';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { TINY_WORDS } from '../synth/plan.ts';
import { DEFAULT_WORDS } from '../synth/words.ts';
import { TrainRecipeError } from './errors.ts';
import { MAX_BATCH, checkRecipe, maxLabelLength, synthOptionsFor, trainWidth } from './recipe.ts';
import { tinyRecipe } from './tiny.ts';
import type { TrainRecipe } from './types.ts';

const base = (over: Partial<TrainRecipe> = {}): TrainRecipe => ({ ...tinyRecipe(10), ...over });

describe('checkRecipe: one set of limits for the tab and the command line', () => {
  it('takes the tiny recipe, checkpoints only at the end, and the largest batch', () => {
    expect(() => checkRecipe(base())).not.toThrow();
    expect(() => checkRecipe(base({ checkpointEvery: 0, evalEvery: 0, batchSize: MAX_BATCH }))).not.toThrow();
    expect(() => checkRecipe(base({ freeze: ['backbone'] }))).not.toThrow();
  });

  it.each<[string, Partial<TrainRecipe>, RegExp]>([
    ['no steps', { steps: 0 }, /steps must be an integer/],
    ['a batch too large', { batchSize: MAX_BATCH + 1 }, /batch size must be an integer in \[1, 1024\], got 1025/],
    ['a fractional batch', { batchSize: 2.5 }, /batch size/],
    ['a negative interval', { checkpointEvery: -1 }, /checkpoint interval/],
    ['a negative seed', { seed: -1 }, /seed/],
    ['a ratio above 1', { syntheticRatio: 1.5 }, /synthetic ratio must be in \[0, 1\]/],
    ['real data without datasets', { syntheticRatio: 0.5, datasets: [] }, /choose at least one training dataset/],
    ['a zero learning rate', { optimizer: { kind: 'adam', lr: 0 } }, /learning rate must be > 0/],
    ['a zero clip norm', { clipNorm: 0 }, /clip norm must be > 0/],
    ['a piecewise schedule short of factors', { schedule: { kind: 'piecewise', boundaries: [5], factors: [1] } }, /one factor more than boundaries/],
    ['a tiny input width', { inputWidth: 4 }, /input width/],
    ['an empty vocabulary', { synthetic: { kind: 'tiny', vocabulary: 0 } }, /synthetic vocabulary/],
    ['an unknown stage to freeze', { freeze: ['neck' as never] }, /freeze: unknown stage 'neck'/],
    ['every stage frozen', { freeze: ['transform', 'backbone', 'sequence', 'head'] }, /nothing to train/],
  ])('refuses %s', (_what, over, message) => {
    expect(() => checkRecipe(base(over))).toThrow(TrainRecipeError);
    expect(() => checkRecipe(base(over))).toThrow(message);
  });
});

describe('the longest label a model trains on', () => {
  it('is steps − 1 for attention heads (the end token takes a step) and 25 for CTC', () => {
    expect(maxLabelLength(getPreset('rare-dtrb'))).toBe(25);
    const short = getPreset('rare-dtrb');
    if (short.head.kind === 'attention') short.head.steps = 6;
    expect(maxLabelLength(short)).toBe(5);
    expect(maxLabelLength(getPreset('crnn-mv3-en'))).toBe(25);
  });
});

describe('synthetic words of a run', () => {
  const config = getPreset('crnn-mv3-en');
  const charset = getCharset(config.charset);

  it('synthetic-only runs draw the tiny mode at 100 wide; mixed runs full words at the model height', () => {
    const tiny = synthOptionsFor(base({ seed: 5 }), config, charset);
    expect(tiny).toMatchObject({ seed: 5, width: 100, height: 32, case: 'lower', words: TINY_WORDS });
    expect(trainWidth(base())).toBe(100);
    const mixed = base({ seed: 5, syntheticRatio: 0.2, datasets: ['d'] });
    expect(synthOptionsFor(mixed, config, charset)).toEqual({ seed: 5, charset, height: 32, maxLength: 25 });
    expect(trainWidth(mixed)).toBeUndefined();
  });

  it('the recipe can ask for full words, or a tiny vocabulary of the first N shipped words, and a width', () => {
    expect(synthOptionsFor(base({ synthetic: { kind: 'words' } }), config, charset)).toEqual({ seed: 5, charset, height: 32, maxLength: 25 });
    expect(trainWidth(base({ synthetic: { kind: 'words' } }))).toBeUndefined();
    expect(synthOptionsFor(base({ synthetic: { kind: 'tiny', vocabulary: 3 } }), config, charset).words).toEqual(DEFAULT_WORDS.slice(0, 3));
    expect(trainWidth(base({ inputWidth: 160 }))).toBe(160);
  });
});
