/**
 * An ablation of a trained rare/spin model (issue 17): a copy of its weights with one part of the
 * transform put back to its untrained start, so that `webstr eval` on the copy shows what that part buys.
 *   node --import ./cli/register.mjs scripts/zoo/ablate.ts --model public/models/spin --reset colour --out .zoo/ablate/spin-colour
 * --reset tps     the TPS fiducials go back to RARE's initial ones (weights of the fiducial outputs 0, bias
 *                 = the initial fiducials): the rectifier becomes a plain resize;
 * --reset colour  GA-SPIN only: the power weights, β and the AIN gate go back to their start (identity colour
 *                 transform, gate closed); the TPS part stays trained.
 * Everything else (backbone, sequence, head) is unchanged, so the eval difference is the part's own.
 */
import { parseArgs } from 'node:util';
import { tf } from '../../src/runtime/tf.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { gaspinInitialBias, getParam } from '../../src/models/params.ts';
import { locNames } from '../../src/models/transforms/tps.ts';
import { GASPIN_FC2 } from '../../src/models/transforms/gaspin.ts';
import { TPS_FIDUCIALS, rareInitialFiducials } from '../../src/ops/index.ts';
import { loadWeightsDir, saveWeightsDir } from '../../src/weights/node_io.ts';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

const USAGE = 'usage: ablate.ts --model DIR --reset tps|colour --out DIR';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, reset: { type: 'string' }, out: { type: 'string' } } });
  if (values.model === undefined || values.out === undefined || (values.reset !== 'tps' && values.reset !== 'colour')) {
    console.error(USAGE);
    return 2;
  }
  await initBackend('cpu');
  const { params, meta } = await loadWeightsDir(values.model);
  // The fc2 that predicts the transform's parameters, by the stage's own parameter names.
  const t = meta.config.transform;
  if (t.kind !== 'tps' && t.kind !== 'gaspin') throw new Error(`${values.model}: no transform to ablate (preset ${meta.preset})`);
  if (values.reset === 'colour' && t.kind !== 'gaspin') throw new Error(`${values.model}: --reset colour needs a GA-SPIN model`);
  const fc2 = t.kind === 'tps' ? locNames(t.naming).fc2 : GASPIN_FC2;
  const w = getParam(params, fc2.w);
  const b = getParam(params, fc2.b);
  const out = b.shape[0];
  const init = t.kind === 'tps' ? rareInitialFiducials(out / 2) : gaspinInitialBias(out);
  const nFid = 2 * TPS_FIDUCIALS;
  // Output columns to reset: all of a TPS fc2; GA-SPIN's colour part [0, out − 40) or its fiducials.
  const [lo, hi] = t.kind === 'tps' ? [0, out] : values.reset === 'colour' ? [0, out - nFid] : [out - nFid, out];
  const wv = (await w.data()).slice() as Float32Array;
  const bv = (await b.data()).slice() as Float32Array;
  const inDim = w.shape[0];
  for (let i = 0; i < inDim; i++) for (let j = lo; j < hi; j++) wv[i * out + j] = 0;
  for (let j = lo; j < hi; j++) bv[j] = init[j]!;
  params.set(fc2.w, tf.tensor(wv, w.shape));
  params.set(fc2.b, tf.tensor(bv, b.shape));
  const provenance = { ...meta.provenance, notes: `${meta.provenance.notes ?? ''} ablation: ${values.reset} reset to its untrained start (scripts/zoo/ablate.ts)`.trim() };
  await saveWeightsDir(values.out, params, { ...meta, provenance }, { float16: true });
  console.log(`${values.out}: ${fc2.w} columns [${lo}, ${hi}) and their bias reset (${values.reset})`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`ablate.ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
