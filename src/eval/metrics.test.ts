import { describe, expect, it } from 'vitest';
import { DatasetTally, editDistance, formatTable, keepSample, normalizeAlnum, oneMinusNed, scoreSample, summarize } from './metrics.ts';

describe('protocol', () => {
  it('lowercases and keeps [0-9a-z]', () => {
    expect(normalizeAlnum("Don't-Stop 24/7!")).toBe('dontstop247');
  });
  it('scores case-insensitive alphanumeric, case-sensitive raw, and 1-NED', () => {
    expect(scoreSample('HOUSE', 'house')).toEqual({ correct: true, correctCaseSensitive: false, oneMinusNed: 1 });
    expect(scoreSample("it's", 'its').correct).toBe(true);
    const s = scoreSample('hous', 'house');
    expect(s.correct).toBe(false);
    expect(s.oneMinusNed).toBeCloseTo(0.8, 10);
  });
});

describe('edit distance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['same', 'same', 0],
  ])('%s → %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
  it('1-NED is 1 for two empty strings and 0 for disjoint ones', () => {
    expect(oneMinusNed('', '')).toBe(1);
    expect(oneMinusNed('ab', 'cd')).toBe(0);
  });
});

describe('DTRB filtering', () => {
  it('drops long and out-of-charset labels, keeps all when off', () => {
    expect(keepSample('Hello')).toBe(true);
    expect(keepSample('hello!')).toBe(false);
    expect(keepSample('a'.repeat(26))).toBe(false);
    expect(keepSample('hello!', { filtering: 'off' })).toBe(true);
    expect(keepSample('hello!', { charset: '0123456789abcdefghijklmnopqrstuvwxyz!' })).toBe(true);
  });
});

describe('aggregation', () => {
  it('reports per-dataset, sample-weighted total and unweighted mean', () => {
    const a = new DatasetTally('a');
    a.add('x', 'x');
    a.add('x', 'y');
    a.add('x', 'y');
    a.add('x', 'y'); // 1/4 = 25%
    const b = new DatasetTally('b');
    b.add('z', 'z'); // 100%
    const s = summarize([a.result(), b.result()]);
    expect(s.datasets[0]!.accuracy).toBe(25);
    expect(s.weighted.accuracy).toBeCloseTo(40, 10); // 2 of 5
    expect(s.unweightedMean.accuracy).toBeCloseTo(62.5, 10);
    const table = formatTable(s);
    expect(table).toMatch(/^a +4 +25\.00/m);
    expect(table).toMatch(/^total \(sample-weighted, as DTRB\) +5 +40\.00/m);
    expect(table).toMatch(/^mean \(unweighted, as MindOCR\) +62\.50/m);
  });
});
