/**
 * Edits of a trained transform's fc2 (the layer that predicts a TPS's fiducials, or GA-SPIN's power weights, gate
 * and fiducials; docs/models.md §6.1, §7.1): the ablations of scripts/zoo/ablate.ts and the colour start of
 * scripts/zoo/colour_start.ts. Parameters are edited in place in the given map (the old tensors disposed).
 */
import { tf, type Tensor } from '../../src/runtime/tf.ts';
import { gaspinInitialBias, getParam, type Params } from '../../src/models/params.ts';
import { locNames } from '../../src/models/transforms/tps.ts';
import { GASPIN_FC2 } from '../../src/models/transforms/gaspin.ts';
import { TPS_FIDUCIALS, rareInitialFiducials } from '../../src/ops/index.ts';
import type { ModelConfig } from '../../src/models/config.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { loadWeightsDir, saveWeightsDir } from '../../src/weights/node_io.ts';

export type TransformPart = 'tps' | 'colour';

function fc2Of(config: ModelConfig): { w: string; b: string; kind: 'tps' | 'gaspin' } {
  const t = config.transform;
  if (t.kind === 'tps') return { ...locNames(t.naming).fc2, kind: 'tps' };
  if (t.kind === 'gaspin') return { ...GASPIN_FC2, kind: 'gaspin' };
  throw new Error(`preset ${config.name} has no transform`);
}

async function edit(params: Params, name: string, f: (v: Float32Array, shape: number[]) => void): Promise<void> {
  const old: Tensor = getParam(params, name);
  const v = (await old.data()).slice() as Float32Array;
  f(v, old.shape);
  params.set(name, tf.tensor(v, old.shape));
  old.dispose();
}

/**
 * Puts one part of the transform back to its untrained start: `tps` = the fiducial outputs (weights 0, bias =
 * RARE's initial fiducials: the rectifier becomes a plain resize); `colour` (GA-SPIN only) = the power weights
 * and the gate (identity colour transform, gate closed). Returns the reset output columns [lo, hi).
 */
export async function resetTransformPart(params: Params, config: ModelConfig, part: TransformPart): Promise<[number, number]> {
  const fc2 = fc2Of(config);
  if (part === 'colour' && fc2.kind !== 'gaspin') throw new Error(`--reset colour needs a GA-SPIN model (preset ${config.name})`);
  const out = getParam(params, fc2.b).shape[0];
  const init = fc2.kind === 'tps' ? rareInitialFiducials(out / 2) : gaspinInitialBias(out);
  const nFid = 2 * TPS_FIDUCIALS;
  // Output columns: all of a TPS fc2; GA-SPIN's colour part [0, out − 40) or its fiducials.
  const [lo, hi] = fc2.kind === 'tps' ? [0, out] : part === 'colour' ? [0, out - nFid] : [out - nFid, out];
  await edit(params, fc2.w, (v, [inDim]) => {
    for (let i = 0; i < inDim!; i++) v.fill(0, i * out + lo, i * out + hi);
  });
  await edit(params, fc2.b, (v) => {
    for (let j = lo; j < hi; j++) v[j] = init[j]!;
  });
  return [lo, hi];
}

/**
 * Moves GA-SPIN's colour outputs off their saturated start: the 2K + 1 power-term columns (weights and bias) ÷
 * `scale` — the transform instance-normalises Σ w_k·I^β_k, so a common factor changes nothing but the variance
 * epsilon's weight, while Adam's steps (about the same size for every parameter) then change the mapping `scale`
 * times more — and the AIN gate's logit set to `gate` (σ′ at −3 is 7× σ′ at −5). Returns the number of power terms.
 */
export async function moveColourStart(params: Params, config: ModelConfig, scale: number, gate: number): Promise<number> {
  const t = config.transform;
  if (t.kind !== 'gaspin') throw new Error(`not a GA-SPIN model (preset ${config.name})`);
  if (!(scale > 0) || !Number.isFinite(gate)) throw new Error(`scale must be > 0 and gate finite, got ${scale}, ${gate}`);
  const nw = 2 * t.K + 1;
  const out = getParam(params, GASPIN_FC2.b).shape[0];
  await edit(params, GASPIN_FC2.w, (v, [inDim]) => {
    for (let i = 0; i < inDim!; i++) for (let j = 0; j < nw; j++) v[i * out + j] = v[i * out + j]! / scale;
  });
  await edit(params, GASPIN_FC2.b, (v) => {
    for (let j = 0; j < nw; j++) v[j] = v[j]! / scale;
    v[nw] = gate;
  });
  return nw;
}

/**
 * The scripts' one path: load a weights folder, apply `edit` to its parameters (given the model's config),
 * save the result in float16 to `out` with `note` appended to the provenance notes; returns edit's value.
 */
export async function editWeightsDir<T>(model: string, out: string, note: string, edit: (params: Params, config: ModelConfig) => Promise<T>): Promise<T> {
  await initBackend('cpu');
  const { params, meta } = await loadWeightsDir(model);
  const r = await edit(params, meta.config);
  const notes = `${meta.provenance.notes ?? ''} ${note}`.trim();
  await saveWeightsDir(out, params, { ...meta, provenance: { ...meta.provenance, notes } }, { float16: true });
  return r;
}
