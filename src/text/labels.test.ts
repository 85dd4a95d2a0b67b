import { describe, expect, it } from 'vitest';
import { keepLabel, normalizeAlnum, normalizeLabel } from './labels.ts';

describe('label rules (one implementation for data and eval)', () => {
  it('filters as DTRB: length in code points, lowercased label within the charset', () => {
    expect(keepLabel('Hello')).toBe(true);
    expect(keepLabel("it's")).toBe(false);
    expect(keepLabel('a'.repeat(25))).toBe(true);
    expect(keepLabel('a'.repeat(26))).toBe(false);
    expect(keepLabel("it's", { filteringOff: true })).toBe(true);
    expect(keepLabel('😀', { charset: '😀', maxLength: 1 })).toBe(true);
  });
  it('normalises labels and predictions', () => {
    expect(normalizeLabel("It's 42!")).toBe('its42');
    expect(normalizeAlnum("Don't-Stop 24/7!")).toBe('dontstop247');
  });
});
