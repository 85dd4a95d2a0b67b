/** The weight average of scripts/zoo/soup.ts: the weighted mean, and a named error for maps that do not match. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/runtime/tf.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import type { Params } from '../../src/models/params.ts';
import { averageParams } from './soup.ts';

const map = (entries: [string, tf.Tensor][]): Params => new Map(entries);

describe('averageParams', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is the weighted mean of float parameters and keeps equal int ones', async () => {
    const a = map([['w', tf.tensor([1, 2, 3])], ['n', tf.tensor([4], [1], 'int32')]]);
    const b = map([['w', tf.tensor([3, 6, 9])], ['n', tf.tensor([4], [1], 'int32')]]);
    const even = await averageParams([a, b], [1, 1]);
    expect(Array.from(await even.get('w')!.data())).toEqual([2, 4, 6]);
    expect(Array.from(await even.get('n')!.data())).toEqual([4]);
    const skew = await averageParams([a, b], [3, 1]);
    expect(Array.from(await skew.get('w')!.data())).toEqual([1.5, 3, 4.5]);
  });

  it('names the parameter that is missing, reshaped or a differing int', async () => {
    const a = map([['w', tf.tensor([1, 2])]]);
    await expect(averageParams([a, map([['v', tf.tensor([1, 2])]])], [1, 1])).rejects.toThrow(/model 2 has no parameter w/);
    await expect(averageParams([a, map([['w', tf.tensor([1, 2, 3])]])], [1, 1])).rejects.toThrow(/w is float32 \[3\] in model 2/);
    await expect(averageParams([a, map([['w', tf.tensor([1, 2])], ['x', tf.tensor([0])]])], [1, 1])).rejects.toThrow(/model 2 has x, model 1 does not/);
    const i1 = map([['n', tf.tensor([1], [1], 'int32')]]);
    const i2 = map([['n', tf.tensor([2], [1], 'int32')]]);
    await expect(averageParams([i1, i2], [1, 1])).rejects.toThrow(/int32 parameter n differs/);
    await expect(averageParams([a], [1])).rejects.toThrow(/at least two/);
  });
});
