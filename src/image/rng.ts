/**
 * The project's one seeded PRNG: mulberry32, whose whole state is one uint32, so a caller can store it in
 * a checkpoint (`Checkpoint.rng`) and continue exactly: `new Rng(0).setState(s)`. Used by augmentation
 * (this layer), the synthetic word generator (`src/synth/`), shuffling (`src/data/`, `src/train/`) and
 * the fuzzers.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';

/** Draws in [0, 1) and the helpers every sampler here needs, over any uniform source. */
export abstract class Random {
  /** Uniform in [0, 1). */
  abstract next(): number;

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n): floor(next() · n), one draw (0 when n is 0). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return Math.min(hi, lo + Math.floor(this.next() * (hi - lo + 1)));
  }

  /** True with probability p (always draws once). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError('pick from an empty list');
    return items[Math.min(items.length - 1, Math.floor(this.next() * items.length))]!;
  }

  /** Standard normal (Box–Muller; two draws). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uint32 for seeding a child generator (one draw). */
  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}

export class Rng extends Random {
  private a: number;

  constructor(seed: number) {
    super();
    if (!Number.isFinite(seed)) throw new InvalidArgumentError(`an RNG seed must be a finite number, got ${seed}`);
    this.a = seed >>> 0;
  }

  /** The state: a uint32. */
  get state(): number {
    return this.a;
  }

  setState(state: number): this {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new InvalidArgumentError(`an RNG state is a uint32, got ${state}`);
    this.a = state;
    return this;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Any uniform [0, 1) source a caller owns: an `Rng`, an object with `next()`, or a function. */
export type RandomInput = Random | { next(): number } | (() => number);

class FunctionRandom extends Random {
  constructor(private readonly draw: () => number) {
    super();
  }

  next(): number {
    const v = this.draw();
    if (!(v >= 0 && v < 1)) throw new InvalidArgumentError(`a random source must return numbers in [0, 1), got ${v}`);
    return v;
  }
}

export function toRandom(r: RandomInput): Random {
  if (r instanceof Random) return r;
  if (typeof r === 'function') return new FunctionRandom(r);
  return new FunctionRandom(() => r.next());
}
