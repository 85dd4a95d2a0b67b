/**
 * Import of PyTorch state_dicts (read by the restricted unpickler in ./pth) onto a preset: each parameter
 * is looked up under its reference name (DTRB's, docs/models.md; a `module.` prefix is already stripped by
 * `readStateDict`) and converted from the PyTorch layout its ParamSpec records (params.ts). Entries that
 * are not parameters (`num_batches_tracked`, DTRB's TPS grid-generator buffers) are skipped; everything
 * else that does not fit is listed in one WeightsMismatchError.
 */
import { tf } from '../runtime/tf.ts';
import type { ModelConfig } from '../models/config.ts';
import { WeightsMismatchError, buildStages } from '../models/model.ts';
import { fromSourceLayout, sourceShape, type Params } from '../models/params.ts';
import { TPS_BUFFERS } from '../models/transforms/tps.ts';
import type { PthTensor } from './pth/index.ts';

/** State-dict entries that are buffers of the reference modules, not parameters. */
export function isTorchBuffer(name: string): boolean {
  return name.endsWith('.num_batches_tracked') || TPS_BUFFERS.includes(name);
}

export function importTorchStateDict(sd: Map<string, PthTensor>, config: ModelConfig, numClasses?: number): Params {
  const { specs } = buildStages(config, numClasses);
  const missing: string[] = [];
  const mismatched: { name: string; expected: number[]; got: number[] }[] = [];
  for (const s of specs) {
    const t = sd.get(s.name);
    const expected = sourceShape(s.shape, s.torchLayout);
    if (t === undefined) missing.push(s.name);
    else if (!(t.data instanceof Float32Array) || t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      mismatched.push({ name: t.data instanceof Float32Array ? s.name : `${s.name} (dtype ${t.dtype})`, expected, got: t.shape });
    }
  }
  const known = new Set(specs.map((s) => s.name));
  const unexpected = [...sd.keys()].filter((k) => !known.has(k) && !isTorchBuffer(k));
  if (missing.length > 0 || mismatched.length > 0 || unexpected.length > 0) {
    throw new WeightsMismatchError(config.name, missing, mismatched, unexpected);
  }
  const params: Params = new Map();
  for (const s of specs) {
    const t = sd.get(s.name)!;
    params.set(s.name, tf.tidy(() => fromSourceLayout(tf.tensor(t.data as Float32Array, t.shape, 'float32'), s.torchLayout)));
  }
  return params;
}
