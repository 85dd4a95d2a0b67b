import { describe, expect, it } from 'vitest';
import { synthOptionsFor } from './trainer_core.ts';
import { getPreset } from '../src/models/presets.ts';
import { getCharset } from '../src/text/charset.ts';

describe('synthOptionsFor', () => {
  it('uses the tiny mode for synthetic-only runs and full words at the model height when mixed', () => {
    const config = getPreset('crnn-mv3-en');
    const charset = getCharset(config.charset);
    const recipe = { seed: 5, syntheticRatio: 1 } as Parameters<typeof synthOptionsFor>[0]['recipe'];
    const tiny = synthOptionsFor({ recipe, config, charset });
    expect(tiny).toMatchObject({ seed: 5, width: 100, height: 32, case: 'lower' });
    const mixed = synthOptionsFor({ recipe: { ...recipe, syntheticRatio: 0.2 }, config, charset });
    expect(mixed).toEqual({ seed: 5, charset, height: 32 });
  });
});
