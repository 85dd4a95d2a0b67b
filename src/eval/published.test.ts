import { describe, expect, it } from 'vitest';
import { benchmarkSet, publishedFor, referenceAccuracy } from './published.ts';

describe('published numbers', () => {
  it('maps dataset names to benchmark sets', () => {
    expect(benchmarkSet('iiit5k_3000')).toBe('iiit5k_3000');
    expect(benchmarkSet('IIIT5k_3000')).toBe('iiit5k_3000');
    expect(benchmarkSet('svt_647')).toBe('svt_647');
    expect(benchmarkSet('SVTP')).toBe('svtp_645');
    expect(benchmarkSet('ic15_2077')).toBe('ic15_2077');
    expect(benchmarkSet('IC13_857')).toBe('ic13_857');
    expect(benchmarkSet('tiny')).toBeUndefined();
  });
  it('holds the onnxruntime reference of the shared model and the docs/models.md §9 rows', () => {
    expect(referenceAccuracy('crnn-mv3-en', 'iiit5k_3000')).toBe(78.6);
    expect(referenceAccuracy('crnn-mv3-en', 'svt_647')).toBe(74.5);
    expect(referenceAccuracy('crnn-mv3-en', 'ic15_2077')).toBe(43.5);
    expect(publishedFor('crnn-vgg').find((r) => r.source === 'MindOCR')?.sets.ic15_2077).toBe(64.95);
    expect(publishedFor('nothing')).toEqual([]);
  });
});
