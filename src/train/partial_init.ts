/**
 * Partial initialisation (issue 17): a model's starting parameters from another model's weights, taking
 * each tensor whose name and shape match a parameter of the target and the target's seeded
 * initialisation for the rest (e.g. the zoo presets' PPLCNetV3 backbone from PP-OCRv4, fresh heads).
 */
import { tf } from '../runtime/tf.ts';
import type { ParamSpec, Params } from '../models/params.ts';
import { initParams } from '../models/params.ts';
import { TrainInitError } from './errors.ts';
import type { HostTensors } from './types.ts';

export interface PartialInit {
  init: HostTensors;
  /** Target parameters taken from the source (name and shape matched). */
  taken: string[];
  /** Target parameters the source has under the same name with another shape (left fresh). */
  shapeMismatch: { name: string; source: number[]; target: number[] }[];
  /** Target parameters the source lacks (left fresh). */
  missing: string[];
  /** Elements taken (trainable and statistics). */
  takenElements: number;
  totalElements: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** `source` is read, never disposed. Throws when nothing matches (a wrong --init is not a fresh start). */
export async function partialInit(specs: readonly ParamSpec[], source: Params, seed: number, sourceName: string): Promise<PartialInit> {
  const fresh = initParams(specs, seed);
  const out: PartialInit = { init: {}, taken: [], shapeMismatch: [], missing: [], takenElements: 0, totalElements: 0 };
  try {
    for (const spec of specs) {
      const s = source.get(spec.name);
      const same = s !== undefined && s.shape.length === spec.shape.length && s.shape.every((d, i) => d === spec.shape[i]);
      const t = same ? s : fresh.get(spec.name)!;
      if (same) {
        out.taken.push(spec.name);
        out.takenElements += size(spec.shape);
      } else if (s !== undefined) out.shapeMismatch.push({ name: spec.name, source: [...s.shape], target: [...spec.shape] });
      else out.missing.push(spec.name);
      out.totalElements += size(spec.shape);
      out.init[spec.name] = { shape: [...spec.shape], data: Float32Array.from((await t.data()) as Float32Array) };
    }
  } finally {
    tf.dispose([...fresh.values()]);
  }
  if (out.taken.length === 0) throw new TrainInitError(`--init-partial ${sourceName}: no parameter of the model matches a tensor of the source by name and shape`);
  return out;
}

/**
 * Several sources as one (`--init a --init b`): every tensor of each, a later source's replacing an earlier
 * one's of the same name (the replaced tensor is disposed). Takes ownership of the sources' tensors.
 */
export function mergeInitSources(sources: Iterable<Params>): Params {
  const merged: Params = new Map();
  for (const src of sources) {
    for (const [k, t] of src) {
      if (merged.get(k) !== t) merged.get(k)?.dispose();
      merged.set(k, t);
    }
  }
  return merged;
}

/** One line for logs and provenance. */
export function describePartialInit(p: PartialInit, sourceName: string): string {
  const pct = ((100 * p.takenElements) / Math.max(1, p.totalElements)).toFixed(1);
  return `partial init from ${sourceName}: took ${p.taken.length} of ${p.taken.length + p.missing.length + p.shapeMismatch.length} tensors (${p.takenElements.toLocaleString('en')} of ${p.totalElements.toLocaleString('en')} values, ${pct}%); fresh: ${p.missing.length} absent from the source, ${p.shapeMismatch.length} of another shape${p.shapeMismatch.length > 0 ? ` (${p.shapeMismatch.map((m) => `${m.name} [${m.source.join(',')}]→[${m.target.join(',')}]`).join('; ')})` : ''}`;
}
