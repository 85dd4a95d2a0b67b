import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import type { DtrbDataset, Sample } from '../src/data/dtrb.ts';
import type { SampleSource, SourceState, TrainSample } from '../src/train/types.ts';
import { MixedSource, ShuffledDatasets, synthOptionsFor } from './trainer_core.ts';
import { getPreset } from '../src/models/presets.ts';
import { getCharset } from '../src/text/charset.ts';

function memoryDataset(prefix: string, n: number): DtrbDataset {
  const sample = (i: number): Promise<Sample> => Promise.resolve({ index: i, label: `${prefix}${i}`, image: new Uint8Array([i]) });
  return {
    count: n,
    sample,
    async *samples() {
      for (let i = 1; i <= n; i++) yield await sample(i);
    },
  };
}

/** A counter source standing in for synthetic words. */
class Counter implements SampleSource {
  k = 0;
  next(n: number): Promise<TrainSample[]> {
    return Promise.resolve(Array.from({ length: n }, () => ({ image: new Uint8Array(), label: `s${this.k++}` })));
  }
  getState(): SourceState {
    return { k: this.k };
  }
  setState(s: SourceState): void {
    this.k = s.k as number;
  }
}

const labels = (xs: TrainSample[]) => xs.map((x) => x.label);

describe('ShuffledDatasets', () => {
  it('visits every sample once per epoch, reshuffles per epoch, and resumes exactly from its state (through JSON)', async () => {
    const ds = () => new ShuffledDatasets([memoryDataset('a', 5), memoryDataset('b', 3)], 7);
    const src = ds();
    const epoch1 = labels(await src.next(8));
    expect([...epoch1].sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'b2', 'b3']);
    const rest = labels(await src.next(5));
    const epoch2 = [...rest, ...labels(await src.next(3))];
    expect([...epoch2].sort()).toEqual([...epoch1].sort());
    expect(epoch2).not.toEqual(epoch1);
    // Same seed, same stream; state after k samples continues at k+1.
    const a = ds();
    await a.next(11);
    const state = JSON.parse(JSON.stringify(a.getState())) as SourceState;
    const b = ds();
    b.setState(state);
    expect(labels(await b.next(9))).toEqual(labels(await a.next(9)));
    const fresh = ds();
    expect(labels(await fresh.next(13))).toEqual([...epoch1, ...rest]);
  });

  it('refuses an empty dataset list and a state from another source with named errors', async () => {
    expect(() => new ShuffledDatasets([], 1)).toThrow(InvalidArgumentError);
    expect(() => new ShuffledDatasets([memoryDataset('a', 0)], 1)).toThrow(/no samples/);
    const src = new ShuffledDatasets([memoryDataset('a', 5)], 1);
    expect(() => src.setState({ seed: 2, total: 5, epoch: 0, position: 0 })).toThrow(InvalidArgumentError);
    expect(() => src.setState({ seed: 1, total: 6, epoch: 0, position: 0 })).toThrow(InvalidArgumentError);
    expect(() => src.setState({ seed: 1, total: 5, epoch: -1, position: 0 })).toThrow(InvalidArgumentError);
    expect(() => src.setState({ seed: 1, total: 5, epoch: 0, position: 6 })).toThrow(InvalidArgumentError);
    expect(() => src.setState({ seed: 1, total: 5, epoch: 0.5, position: 0 })).toThrow(InvalidArgumentError);
    expect(() => src.setState({})).toThrow(InvalidArgumentError);
    // Still usable after refusals.
    expect((await src.next(5)).length).toBe(5);
  });
});

describe('MixedSource', () => {
  it('draws the synthetic share exactly over the long run and resumes exactly', async () => {
    const make = () => new MixedSource(new ShuffledDatasets([memoryDataset('a', 10)], 3), new Counter(), 0.3);
    const m = make();
    let synth = 0;
    for (let i = 0; i < 10; i++) synth += labels(await m.next(7)).filter((l) => l.startsWith('s')).length;
    expect(synth).toBe(21); // 0.3 × 70
    const state = JSON.parse(JSON.stringify(m.getState())) as SourceState;
    const n = make();
    n.setState(state);
    expect(labels(await n.next(9))).toEqual(labels(await m.next(9)));
  });

  it('refuses a ratio outside (0, 1) and a foreign state', () => {
    const d = new ShuffledDatasets([memoryDataset('a', 2)], 1);
    for (const r of [0, 1, -0.5, 2, NaN]) expect(() => new MixedSource(d, new Counter(), r)).toThrow(InvalidArgumentError);
    const m = new MixedSource(d, new Counter(), 0.5);
    expect(() => m.setState({ ratio: 0.25, carry: 0, data: {}, synth: {} })).toThrow(InvalidArgumentError);
    expect(() => m.setState({ ratio: 0.5, carry: 3, data: {}, synth: {} })).toThrow(InvalidArgumentError);
  });
});

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
