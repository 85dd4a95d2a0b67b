import { describe, expect, it } from 'vitest';
import { chartLayout, referenceVerdict, textWidth } from './bench_chart.ts';

describe('bench chart layout', () => {
  it('one dataset, one model: wide enough for the legend and the reference note (was 92 px)', () => {
    const legend = ['en_number_mobile_v2.0_rec_infer (crnn-mv3-en, wasm)'];
    const l = chartLayout(['svt_647'], legend, true);
    expect(l.width).toBeGreaterThanOrEqual(l.left + 18 + textWidth(legend[0]!, 11));
    expect(l.width).toBeGreaterThan(300);
  });

  it('groups fit their dataset names; an empty chart keeps its axes', () => {
    const l = chartLayout(['a_very_long_dataset_name_4468', 'svt'], ['m (p, wasm)', 'n (p, wasm)'], false);
    expect(l.groupW).toBeGreaterThanOrEqual(textWidth('a_very_long_dataset_name_4468', 11));
    expect(l.width).toBeGreaterThanOrEqual(l.left + 2 * l.groupW);
    const empty = chartLayout([], [], false);
    expect(empty.width).toBeGreaterThanOrEqual(240);
    expect(empty.height).toBeGreaterThan(empty.plotH);
  });
});

describe('reference verdict', () => {
  const full = { limit: null, shard: null };
  it('judges a full-set run within half a point of the reference', () => {
    expect(referenceVerdict(74.2, 647, 74.5, full)).toBe('pass');
    expect(referenceVerdict(73.9, 647, 74.5, full)).toBe('fail');
    expect(referenceVerdict(50, 647, undefined, full)).toBeNull();
  });

  it('does not judge a run limited to part of the set, or a shard', () => {
    expect(referenceVerdict(61.7, 60, 74.5, { limit: 60, shard: null })).toBe('partial');
    expect(referenceVerdict(61.7, 300, 74.5, { limit: null, shard: '0/2' })).toBe('partial');
    // A limit above the set's size scored every sample: judged as usual.
    expect(referenceVerdict(74.4, 647, 74.5, { limit: 1000, shard: null })).toBe('pass');
  });
});
