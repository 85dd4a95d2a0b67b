import { describe, expect, it } from 'vitest';
import { samplesInOrder, type Sample } from './dtrb.ts';

describe('samplesInOrder', () => {
  it('reads start … start + limit − 1, clipped to the count', async () => {
    const ds = { count: 5, sample: (i: number): Promise<Sample> => Promise.resolve({ index: i, label: String(i), image: new Uint8Array(0) }) };
    const indices = async (opts?: { limit?: number; start?: number }): Promise<number[]> => {
      const out: number[] = [];
      for await (const s of samplesInOrder(ds, opts)) out.push(s.index);
      return out;
    };
    expect(await indices()).toEqual([1, 2, 3, 4, 5]);
    expect(await indices({ start: 2, limit: 2 })).toEqual([2, 3]);
    expect(await indices({ start: 4, limit: 10 })).toEqual([4, 5]);
    expect(await indices({ limit: 0 })).toEqual([]);
  });
});
