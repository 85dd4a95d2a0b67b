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
import { exitOnHelp } from '../lib/help.ts';
import { editWeightsDir, resetTransformPart } from './transform_edit.ts';

exitOnHelp(import.meta.url);

const USAGE = 'usage: ablate.ts --model DIR --reset tps|colour --out DIR';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, reset: { type: 'string' }, out: { type: 'string' } } });
  if (values.model === undefined || values.out === undefined || (values.reset !== 'tps' && values.reset !== 'colour')) {
    console.error(USAGE);
    return 2;
  }
  const reset = values.reset;
  const [lo, hi] = await editWeightsDir(values.model, values.out, `ablation: ${reset} reset to its untrained start (scripts/zoo/ablate.ts)`, (params, config) =>
    resetTransformPart(params, config, reset),
  );
  console.log(`${values.out}: the transform's fc2 output columns [${lo}, ${hi}) and their bias reset (${values.reset})`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`ablate.ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
