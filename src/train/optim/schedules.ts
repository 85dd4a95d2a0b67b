/**
 * Learning-rate schedules as pure functions of the optimizer step (0-based: the rate used by the
 * (step+1)-th update), matching PyTorch's schedulers stepped once per optimizer step.
 *   constant                   LambdaLR(λ = 1)
 *   piecewise                  Paddle `Piecewise` / MultiStepLR: values[i] from boundaries[i−1] on
 *   cosine (+ linear warm-up)  LinearLR(start_factor, total_iters = warmupSteps) then
 *                              CosineAnnealingLR(T_max = totalSteps − warmupSteps, eta_min = minLr),
 *                              chained by SequentialLR (docs/models.md §5.3 (MindOCR), §6.4).
 */
import { InvalidArgumentError } from '../../runtime/errors.ts';

/** The learning rate for a 0-based optimizer step. */
export type Schedule = (step: number) => number;

export interface ConstantSpec {
  kind: 'constant';
  base: number;
}
export interface PiecewiseSpec {
  kind: 'piecewise';
  /** Ascending steps at which the next value starts. */
  boundaries: number[];
  /** One more than boundaries. */
  values: number[];
}
export interface CosineSpec {
  kind: 'cosine';
  base: number;
  /** Steps of the whole schedule, warm-up included; after it the rate stays at minLr. */
  totalSteps: number;
  /** Default 0 (no warm-up). */
  warmupSteps?: number;
  /** The warm-up starts at base × this (PyTorch LinearLR start_factor); default 0. */
  warmupStartFactor?: number;
  /** Default 0. */
  minLr?: number;
}
export type ScheduleSpec = ConstantSpec | PiecewiseSpec | CosineSpec;

function finite(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new InvalidArgumentError(`${what} must be a finite number, got ${v}`);
  return v;
}

export function constantLr(base: number): Schedule {
  finite(base, 'constantLr: base');
  return () => base;
}

export function piecewiseLr(boundaries: readonly number[], values: readonly number[]): Schedule {
  if (values.length !== boundaries.length + 1) {
    throw new InvalidArgumentError(
      `piecewiseLr: expected values.length = boundaries.length + 1 = ${boundaries.length + 1}, got ${values.length}`,
    );
  }
  boundaries.forEach((b, i) => {
    if (!Number.isInteger(b) || (i > 0 && b <= boundaries[i - 1]!)) {
      throw new InvalidArgumentError(`piecewiseLr: boundaries must be ascending integers, got [${boundaries.join(', ')}]`);
    }
  });
  values.forEach((v) => finite(v, 'piecewiseLr: value'));
  const bs = [...boundaries];
  const vs = [...values];
  return (step) => {
    let i = 0;
    while (i < bs.length && step >= bs[i]!) i++;
    return vs[i]!;
  };
}

export function cosineLr(spec: Omit<CosineSpec, 'kind'>): Schedule {
  const base = finite(spec.base, 'cosineLr: base');
  const warmup = spec.warmupSteps ?? 0;
  const start = spec.warmupStartFactor ?? 0;
  const minLr = spec.minLr ?? 0;
  const total = spec.totalSteps;
  if (!Number.isInteger(warmup) || warmup < 0 || !Number.isInteger(total) || total <= warmup) {
    throw new InvalidArgumentError(
      `cosineLr: expected integers 0 ≤ warmupSteps < totalSteps, got warmupSteps ${warmup}, totalSteps ${total}`,
    );
  }
  return (step) => {
    if (step < warmup) return base * (start + ((1 - start) * step) / warmup);
    if (step >= total) return minLr;
    const t = (step - warmup) / (total - warmup);
    return minLr + ((base - minLr) * (1 + Math.cos(Math.PI * t))) / 2;
  };
}

/** A schedule from its plain-data description (configs, checkpoints). */
export function makeSchedule(spec: ScheduleSpec): Schedule {
  switch (spec.kind) {
    case 'constant':
      return constantLr(spec.base);
    case 'piecewise':
      return piecewiseLr(spec.boundaries, spec.values);
    case 'cosine':
      return cosineLr(spec);
    default:
      throw new InvalidArgumentError(
        `unknown schedule kind '${String((spec as { kind: unknown }).kind)}'; expected one of constant, piecewise, cosine`,
      );
  }
}
