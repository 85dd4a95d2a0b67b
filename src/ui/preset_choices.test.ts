import { describe, expect, it } from 'vitest';
import { presetChoices } from './preset_choices.ts';

const ALL = ['crnn-vgg', 'rare-dtrb', 'trba-dtrb', 'crnn-mv3-en'];

describe('presetChoices', () => {
  it('an .onnx (or no file yet) offers every preset', () => {
    expect(presetChoices(null, ALL).map((c) => c.value)).toEqual(ALL);
    expect(presetChoices({ kind: 'onnx', inferred: null, presets: ALL, mismatch: null }, ALL).map((c) => c.value)).toEqual(ALL);
  });
  it('a .pth offers the model read from it first, then only the presets it fits', () => {
    expect(presetChoices({ kind: 'pth', inferred: 'TPS-VGG-BiLSTM-Attn', presets: [], mismatch: null }, ALL)).toEqual([{ value: '', label: 'TPS-VGG-BiLSTM-Attn (read from the file)' }]);
    expect(presetChoices({ kind: 'pth', inferred: 'trba-dtrb', presets: ['trba-dtrb'], mismatch: null }, ALL)).toEqual([{ value: 'trba-dtrb', label: 'trba-dtrb' }]);
    expect(presetChoices({ kind: 'pth', inferred: null, presets: [], mismatch: 'x.pth: not a model webstr can build: …' }, ALL)).toEqual([]);
  });
});
