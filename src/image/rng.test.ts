import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { Rng } from './rng.ts';

describe('Rng', () => {
  it('is mulberry32 with a uint32 state that resumes', () => {
    const a = new Rng(42);
    a.next();
    const s = a.state;
    const seq = [a.next(), a.next(), a.next()];
    expect(new Rng(0).setState(s).next()).toBe(seq[0]);
    expect(() => new Rng(0).setState(-1)).toThrow(InvalidArgumentError);
    expect(() => new Rng(0).setState(2 ** 32)).toThrow(InvalidArgumentError);
    expect(() => new Rng(Number.NaN)).toThrow(InvalidArgumentError);
    for (let i = 0; i < 1000; i++) {
      const v = a.int(3, 6);
      expect(v >= 3 && v <= 6 && Number.isInteger(v)).toBe(true);
    }
  });

  it('draws what the generators it replaced drew (seeded fixtures, shuffles and checkpoints unchanged)', () => {
    const a = new Rng(1);
    expect([a.next(), a.next(), a.next()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const b = new Rng(7);
    expect(Array.from({ length: 12 }, () => b.below(10))).toEqual([0, 0, 9, 6, 5, 4, 4, 2, 5, 7, 2, 1]);
    expect(new Rng(3).below(0)).toBe(0);
  });
});
