/**
 * A weight average ("model soup", Wortsman et al. 2022, arXiv:2203.05482) of zoo runs fine-tuned from the
 * same start: every float parameter is the (weighted) mean of the runs' values, the rest must be equal.
 *   node --import ./cli/register.mjs scripts/zoo/soup.ts --out .zoo/soup/spin-ab .zoo/runs/a/weights .zoo/runs/b/weights
 * --weights 2,1   relative weights of the inputs, in order (default: equal).
 * Runs that share their start stay in one basin of the loss, so their average is a model of its own, often
 * better on held-out data than each run; choose between it and the runs by the validation set (zoo_val),
 * never by a test set. The inputs must have the same preset and the same parameter names and shapes (they
 * are checked); BatchNorm statistics that were frozen during fine-tuning are equal and average to themselves.
 * Output: a float16 weights folder whose provenance names the inputs.
 */
import { parseArgs } from 'node:util';
import { exitOnHelp } from '../lib/help.ts';
import { tf } from '../../src/runtime/tf.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { loadWeightsDir, saveWeightsDir } from '../../src/weights/node_io.ts';
import type { Params } from '../../src/models/params.ts';

exitOnHelp(import.meta.url);

const USAGE = 'usage: soup.ts --out DIR [--weights w1,w2,…] MODEL_DIR MODEL_DIR [MODEL_DIR…]';

/** The weighted mean of same-shaped parameter maps (float32 math; int tensors must agree). */
export async function averageParams(maps: Params[], weights: number[]): Promise<Params> {
  const [first, ...rest] = maps;
  if (first === undefined || rest.length === 0) throw new Error('soup: give at least two models');
  const total = weights.reduce((a, b) => a + b, 0);
  const out: Params = new Map();
  for (const [name, t] of first) {
    const all = maps.map((m, i) => {
      const v = m.get(name);
      if (v === undefined) throw new Error(`soup: model ${i + 1} has no parameter ${name}`);
      if (v.shape.join() !== t.shape.join() || v.dtype !== t.dtype) throw new Error(`soup: ${name} is ${v.dtype} [${v.shape.join(', ')}] in model ${i + 1}, ${t.dtype} [${t.shape.join(', ')}] in model 1`);
      return v;
    });
    if (t.dtype !== 'float32') {
      const ref = await t.data();
      for (const [i, v] of all.entries()) {
        const d = await v.data();
        if (d.some((x, k) => x !== ref[k])) throw new Error(`soup: the ${t.dtype} parameter ${name} differs between model 1 and model ${i + 1}`);
      }
      out.set(name, t.clone());
      continue;
    }
    out.set(name, tf.tidy(() => all.map((v, i) => tf.mul(v, weights[i]! / total)).reduce((a, b) => tf.add(a, b))));
  }
  for (const [i, m] of maps.entries()) {
    for (const name of m.keys()) if (!first.has(name)) throw new Error(`soup: model ${i + 1} has ${name}, model 1 does not`);
  }
  return out;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, weights: { type: 'string' } } });
  if (values.out === undefined || positionals.length < 2) {
    console.error(USAGE);
    return 2;
  }
  const weights = values.weights === undefined ? positionals.map(() => 1) : values.weights.split(',').map(Number);
  if (weights.length !== positionals.length || weights.some((w) => !Number.isFinite(w) || w < 0) || weights.every((w) => w === 0)) {
    console.error(`soup.ts: --weights needs ${positionals.length} non-negative numbers, not all 0 (got '${values.weights}')`);
    return 2;
  }
  await initBackend('cpu');
  const loaded = [];
  for (const dir of positionals) loaded.push(await loadWeightsDir(dir));
  const preset = loaded[0]!.meta.config.name;
  for (const [i, l] of loaded.entries()) {
    if (l.meta.config.name !== preset) throw new Error(`${positionals[i]} is preset ${l.meta.config.name}, ${positionals[0]} is ${preset}`);
  }
  const params = await averageParams(
    loaded.map((l) => l.params),
    weights,
  );
  const note = `weight average (scripts/zoo/soup.ts) of ${positionals.map((p, i) => `${p} ×${weights[i]}`).join(', ')}`;
  const meta = loaded[0]!.meta;
  await saveWeightsDir(values.out, params, { ...meta, provenance: { ...meta.provenance, notes: note } }, { float16: true });
  console.log(`${values.out}: ${note} (${params.size} tensors, preset ${preset})`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`soup.ts: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
