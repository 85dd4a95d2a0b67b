import { describe, expect, it } from 'vitest';
import type { DtrbDataset, Sample } from '../data/dtrb.ts';
import { DatasetSource, MixSource } from './sources.ts';
import { SampleSourceError } from './errors.ts';
import type { SampleSource, SourceState, TrainSample } from './types.ts';

function fakeDataset(labels: string[]): DtrbDataset {
  const sample = (i: number): Sample => ({ index: i, label: labels[i - 1]!, image: new Uint8Array([i]) });
  return {
    count: labels.length,
    sample: (i) => Promise.resolve(sample(i)),
    async *samples() {
      for (let i = 1; i <= labels.length; i++) yield await Promise.resolve(sample(i));
    },
  };
}

const LABELS = ['a', 'b', 'c', 'd', 'e', 'toolongtoolongtoolongtoolong', 'f#', 'g'];
const ids = (xs: TrainSample[]): number[] => xs.map((s) => (s.image as Uint8Array)[0]!);

describe('DatasetSource', () => {
  it('applies the DTRB filter, shuffles each epoch by seed, covers every kept sample once per epoch', async () => {
    const s = await DatasetSource.create([fakeDataset(LABELS)], { seed: 1 });
    expect(s.size).toBe(6); // too long and '#' dropped
    const e1 = ids(await s.next(6));
    const e2 = ids(await s.next(6));
    expect([...e1].sort()).toEqual([1, 2, 3, 4, 5, 8]);
    expect([...e2].sort()).toEqual([1, 2, 3, 4, 5, 8]);
    expect(e1).not.toEqual(e2);
    const again = await DatasetSource.create([fakeDataset(LABELS)], { seed: 1 });
    expect(ids(await again.next(12))).toEqual([...e1, ...e2]);
  });

  it('continues exactly from a saved state; refuses a foreign state', async () => {
    const a = await DatasetSource.create([fakeDataset(LABELS), fakeDataset(['x', 'y'])], { seed: 9 });
    await a.next(5);
    const st = a.getState();
    const rest = ids(await a.next(9));
    const b = await DatasetSource.create([fakeDataset(LABELS), fakeDataset(['x', 'y'])], { seed: 9 });
    b.setState(JSON.parse(JSON.stringify(st)) as SourceState);
    expect(ids(await b.next(9))).toEqual(rest);
    for (const bad of [{}, { kind: 'dataset', epoch: -1, position: 0, size: 8 }, { kind: 'dataset', epoch: 0, position: 99, size: 8 }, { ...st, size: 3 }, { kind: 'synth' }]) {
      expect(() => b.setState(bad)).toThrow(SampleSourceError);
    }
    await expect(b.next(0)).rejects.toBeInstanceOf(SampleSourceError);
  });

  it('nothing left after filtering or no dataset is a SampleSourceError', async () => {
    await expect(DatasetSource.create([], { seed: 1 })).rejects.toBeInstanceOf(SampleSourceError);
    await expect(DatasetSource.create([fakeDataset(['###'])], { seed: 1 })).rejects.toBeInstanceOf(SampleSourceError);
  });
});

class Counter implements SampleSource {
  n = 0;
  constructor(readonly tag: string) {}
  next(k: number): Promise<TrainSample[]> {
    return Promise.resolve(Array.from({ length: k }, () => ({ image: new Uint8Array([this.n++]), label: this.tag })));
  }
  getState(): SourceState {
    return { n: this.n };
  }
  setState(s: SourceState): void {
    this.n = s.n as number;
  }
}

describe('MixSource', () => {
  it('draws the ratio from the second source over time and resumes', async () => {
    const m = new MixSource(new Counter('data'), new Counter('synth'), 0.25);
    const all: TrainSample[] = [];
    for (let i = 0; i < 10; i++) all.push(...(await m.next(6)));
    expect(all.filter((s) => s.label === 'synth')).toHaveLength(15);
    const st = m.getState();
    const next = await m.next(7);
    const m2 = new MixSource(new Counter('data'), new Counter('synth'), 0.25);
    m2.setState(st);
    expect(await m2.next(7)).toEqual(next);
    expect(() => new MixSource(new Counter('a'), new Counter('b'), 1.5)).toThrow(SampleSourceError);
    expect(() => m2.setState({ kind: 'mix', drawn: 1, ratio: 0.5, first: {}, second: {} })).toThrow(SampleSourceError);
  });
});
