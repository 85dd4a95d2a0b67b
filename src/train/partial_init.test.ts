import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { buildStages } from '../models/model.ts';
import { initParams } from '../models/params.ts';
import { getPreset } from '../models/presets.ts';
import { describePartialInit, mergeInitSources, partialInit } from './partial_init.ts';
import { TrainInitError } from './errors.ts';

describe('partialInit', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => undefined);

  it('merges several sources, a later one winning for a name both hold, and disposes what it replaces', () => {
    const a1 = tf.tensor([1]);
    const a2 = tf.tensor([2]);
    const b1 = tf.tensor([10]);
    const c3 = tf.tensor([30]);
    const m = mergeInitSources([
      new Map([
        ['a', a1],
        ['b', b1],
      ]),
      new Map([
        ['a', a2],
        ['c', c3],
      ]),
    ]);
    expect([...m.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(m.get('a')).toBe(a2);
    expect(m.get('b')).toBe(b1);
    expect(a1.isDisposed).toBe(true);
    expect(a2.isDisposed).toBe(false);
    tf.dispose([...m.values()]);
  });

  it('takes the whole PPLCNetV3 backbone of a ppocr-v4 model into each zoo preset, and only it', async () => {
    // ppocr-v4's parameters (random here; the real ones come from npm), 6,625 symbols + blank.
    const source = initParams(buildStages(getPreset('ppocr-v4'), 6626).specs, 5);
    for (const preset of ['crnn-lcnet', 'rare-lcnet', 'rare-svtr', 'spin-lcnet']) {
      const target = buildStages(getPreset(preset));
      const backbone = target.backbone.specs.map((s) => s.name).sort();
      const p = await partialInit(target.specs, source, 1, 'ppocr-v4');
      expect(p.taken.sort()).toEqual(backbone);
      expect(p.shapeMismatch).toEqual([]);
      expect(Object.keys(p.init).sort()).toEqual(target.specs.map((s) => s.name).sort());
      for (const name of backbone.slice(0, 5)) expect(Array.from(p.init[name]!.data)).toEqual(Array.from(await source.get(name)!.data()));
      expect(describePartialInit(p, 'ppocr-v4')).toMatch(/^partial init from ppocr-v4: took \d+ of \d+ tensors/);
    }
    tf.dispose([...source.values()]);
  });

  it('leaves a tensor of another shape fresh and says so; refuses a source that shares nothing', async () => {
    const specs = buildStages(getPreset('crnn-lcnet')).specs;
    const first = specs[0]!;
    const source = new Map([[first.name, tf.zeros([1, 2, 3])]]);
    source.set(specs[1]!.name, tf.fill([...specs[1]!.shape], 7));
    const p = await partialInit(specs, source, 1, 'src');
    expect(p.taken).toEqual([specs[1]!.name]);
    expect(p.shapeMismatch).toEqual([{ name: first.name, source: [1, 2, 3], target: [...first.shape] }]);
    expect(p.init[specs[1]!.name]!.data.every((v) => v === 7)).toBe(true);
    expect(describePartialInit(p, 'src')).toContain('1 of another shape');
    tf.dispose([...source.values()]);
    await expect(partialInit(specs, new Map([['nothing', tf.zeros([1])]]), 1, 'other')).rejects.toBeInstanceOf(TrainInitError);
  });
});
