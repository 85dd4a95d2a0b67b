/** The sign test of scripts/zoo/paired.ts against values computed by hand. */
import { describe, expect, it } from 'vitest';
import { signTestP } from './paired.ts';

describe('signTestP (exact two-sided sign test)', () => {
  it('matches hand-computed binomial tails', () => {
    // n = 18, k = 5: (1 + 18 + 153 + 816 + 3060 + 8568) / 2^18 · 2
    expect(signTestP(13, 5)).toBeCloseTo((2 * 12616) / 262144, 12);
    expect(signTestP(5, 13)).toBeCloseTo((2 * 12616) / 262144, 12);
    // n = 6, k = 0: 2 / 64
    expect(signTestP(6, 0)).toBeCloseTo(2 / 64, 12);
  });
  it('is 1 for no discordant pairs or a tie, and stays finite for thousands of pairs', () => {
    expect(signTestP(0, 0)).toBe(1);
    expect(signTestP(7, 7)).toBe(1);
    const p = signTestP(1600, 1400);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.001);
  });
});
