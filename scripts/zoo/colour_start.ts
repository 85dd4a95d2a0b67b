/**
 * Moves a trained spin model's GA-SPIN colour transform off its saturated start before a training phase
 * (issue 17), so that the phase can actually train it:
 *   node --import ./cli/register.mjs scripts/zoo/colour_start.ts --model public/models/spin --out .zoo/init/spin-colour
 * The power-term outputs of fc2 (weights and bias of the 2K + 1 columns) are divided by --scale (default 5):
 * the structure-preserving transform instance-normalises Σ w_k·I^β_k, so a common factor on w changes nothing
 * (up to the variance epsilon), but Adam moves every parameter by about the same amount per step, so after the
 * division the same steps change the colour mapping --scale times more. The AIN gate's logit is set to --gate
 * (default −3, λ = σ(−3) ≈ 0.047, from σ(−5) ≈ 0.0067, where its gradient is 7× smaller): this one does change
 * the output a little (4.7 % of the offset image blended in). Everything else is copied unchanged.
 * docs/models.md §7.1 and §7.3 describe the outputs; docs/models/spin.md says why.
 */
import { parseArgs } from 'node:util';
import { exitOnHelp } from '../lib/help.ts';
import { editWeightsDir, moveColourStart } from './transform_edit.ts';

exitOnHelp(import.meta.url);

const USAGE = 'usage: colour_start.ts --model DIR --out DIR [--scale 5] [--gate=-3]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, out: { type: 'string' }, scale: { type: 'string', default: '5' }, gate: { type: 'string', default: '-3' } },
  });
  const scale = Number(values.scale);
  const gate = Number(values.gate);
  if (values.model === undefined || values.out === undefined || !(scale > 0) || !Number.isFinite(gate)) {
    console.error(USAGE);
    return 2;
  }
  const nw = await editWeightsDir(values.model, values.out, `colour start: power terms ÷${scale}, gate logit ${gate} (scripts/zoo/colour_start.ts)`, (params, config) =>
    moveColourStart(params, config, scale, gate),
  );
  console.log(`${values.out}: GA-SPIN fc2 power columns [0, ${nw}) ÷ ${scale}, gate logit → ${gate}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`colour_start.ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
