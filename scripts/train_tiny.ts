/**
 * `node --import ./cli/register.mjs scripts/train_tiny.ts [--steps N] [--batch N] [--backend wasm|cpu]`:
 * the tiny end-to-end run with a line every 10 steps and held-out accuracy every 50 (src/train/tiny.ts).
 */
import { parseArgs } from 'node:util';
import { startEngineWith } from '../src/ops/engine.ts';
import { getCharset } from '../src/text/charset.ts';
import { createNodeSynth } from '../src/synth/node.ts';
import { tinySynthOptions } from '../src/synth/plan.ts';
import { Trainer } from '../src/train/trainer.ts';
import { tinyRecipe, tinyRunConfig } from '../src/train/tiny.ts';
import { wordAccuracy } from '../src/train/tiny_eval.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const { values } = parseArgs({ options: { steps: { type: 'string', default: '400' }, batch: { type: 'string', default: '32' }, backend: { type: 'string', default: 'wasm' } } });
await startEngineWith(values.backend, { gpu: undefined });
const config = tinyRunConfig();
const charset = getCharset(config.charset);
const held = await createNodeSynth(tinySynthOptions({ seed: 12345 })).next(200);
const t = await Trainer.create({ recipe: tinyRecipe(Number(values.steps), Number(values.batch)), runId: 'tiny', config, charset, init: null, source: createNodeSynth(tinySynthOptions({ seed: 11 })), store: null, decode: () => Promise.reject(new Error('pixels only')) });
const t0 = performance.now();
while (t.step < t.recipe.steps) {
  const e = await t.trainStep();
  if (e.step % 10 === 0) console.log(`step ${e.step} loss ${e.loss.toFixed(3)} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (e.step % 50 === 0) console.log(`  held-out accuracy ${(await wordAccuracy(config, charset, t.params(), held)).toFixed(1)}%`);
}
t.dispose();
