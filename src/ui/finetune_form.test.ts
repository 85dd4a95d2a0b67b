import { describe, expect, it } from 'vitest';
import { RECIPE_PRESETS, describeBase, type ModelChoice } from './finetune_form.ts';

const shipped: ModelChoice = { key: 'shipped:ppocr-v4', name: 'ppocr-v4', preset: 'ppocr-v4' };
const mv3: ModelChoice = { key: 'indexeddb://webstr/crnn-mv3-en/x', name: 'x', preset: 'crnn-mv3-en' };
const finetune = RECIPE_PRESETS['finetune-paddle'];
const tiny = RECIPE_PRESETS['tiny-synthetic'];

describe('which base a run starts from', () => {
  it('says a fine-tuning recipe starts from the stored model it asks for', () => {
    expect(describeBase(`stored:${mv3.key}`, [shipped, mv3], finetune)).toEqual({ text: 'This run starts from x (crnn-mv3-en, stored in this browser) and fine-tunes its trained weights.', warn: false });
  });

  it('warns when the recipe wants a model that is not stored, naming what is used instead', () => {
    const d = describeBase(`stored:${shipped.key}`, [shipped], finetune);
    expect(d.warn).toBe(true);
    expect(d.text).toContain('starts from ppocr-v4 (ppocr-v4, shipped with webstr)');
    expect(d.text).toContain('fine-tunes a crnn-mv3-en model and none is in this browser');
    const scratch = describeBase('preset:crnn-vgg', [], finetune);
    expect(scratch.warn).toBe(true);
    expect(scratch.text).toMatch(/^This run trains crnn-vgg from scratch: random weights, no pretrained model\. The recipe/);
  });

  it('a from-scratch recipe from scratch is said plainly; no base is a warning', () => {
    expect(describeBase('preset:crnn-tiny', [], tiny)).toEqual({ text: 'This run trains crnn-tiny from scratch: random weights, no pretrained model.', warn: false });
    expect(describeBase('', [], undefined).warn).toBe(true);
  });
});
