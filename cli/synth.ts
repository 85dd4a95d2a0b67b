/** `webstr synth --count N --seed S --out <shard dir>`: synthetic word crops (MJSynth-style) as webstr shards. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import type { DatasetManifest } from '../src/data/shard.ts';
import { DEFAULT_SAMPLES_PER_SHARD } from '../src/data/sharded.ts';
import { type NodeSynthOptions, createNodeSynth, loadBackgroundImages } from '../src/synth/node.ts';
import { SynthPool } from '../src/synth/node_pool.ts';
import { writeSynthShards } from '../src/synth/node_shards.ts';

export const SYNTH_USAGE =
  'webstr synth --count N --out <shard dir> [--seed S] [--height 32] [--width W | --max-width 320] [--words <file>] [--charset alnum36|spin68|en_dict_space] [--case random|lower|upper|as-is] [--digits-ratio 0.1] [--fonts <file>,…] [--backgrounds <image|folder>,…] [--no-augment] [--style basic|rich] [--font-cache <dir>|none] [--workers N] [--samples-per-shard N] [--name NAME] [--json]';

export async function synthCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '0' },
      height: { type: 'string' },
      width: { type: 'string' },
      'max-width': { type: 'string' },
      words: { type: 'string' },
      charset: { type: 'string' },
      case: { type: 'string' },
      'digits-ratio': { type: 'string' },
      fonts: { type: 'string' },
      backgrounds: { type: 'string' },
      'no-augment': { type: 'boolean', default: false },
      style: { type: 'string' },
      'font-cache': { type: 'string' },
      workers: { type: 'string', default: '1' },
      'samples-per-shard': { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.count === undefined || values.out === undefined || positionals.length > 0) throw new InvalidArgumentError(`usage: ${SYNTH_USAGE}`);
  const int = (v: string | undefined, what: string, min = 1): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
  const count = int(values.count, '--count')!;
  const seed = int(values.seed, '--seed', 0)!;
  let words: string[] | undefined;
  if (values.words !== undefined) {
    const text = await readFile(values.words, 'utf8');
    words = text.split(/\r?\n/).map((w) => w.trim()).filter((w) => w !== '');
  }
  const ratio = values['digits-ratio'] === undefined ? undefined : Number(values['digits-ratio']);
  const backgroundImages = values.backgrounds === undefined ? undefined : await loadBackgroundImages(values.backgrounds.split(',').filter((f) => f !== ''));
  if (values.style !== undefined && values.style !== 'basic' && values.style !== 'rich') throw new InvalidArgumentError(`--style must be basic or rich, got '${values.style}'`);
  const workers = int(values.workers, '--workers')!;
  const options: NodeSynthOptions = {
    style: values.style,
    fontCache: values['font-cache'] === undefined ? undefined : values['font-cache'] === 'none' ? false : values['font-cache'],
    backgroundImages,
    seed,
    height: int(values.height, '--height'),
    width: int(values.width, '--width') ?? null,
    maxWidth: int(values['max-width'], '--max-width'),
    words,
    charset: values.charset,
    case: values.case as 'random' | 'lower' | 'upper' | 'as-is' | undefined,
    digitsRatio: ratio,
    fontFiles: values.fonts === undefined ? undefined : values.fonts.split(',').filter((f) => f !== ''),
    augment: values['no-augment'] ? false : undefined,
  };
  const source = createNodeSynth(options);
  // Workers render what this thread plans: the samples are the same for any --workers.
  const pool = workers > 1 ? await SynthPool.create(options, workers) : undefined;
  const t0 = performance.now();
  let last = 0;
  const name = values.name ?? path.basename(path.resolve(values.out));
  let manifest: DatasetManifest;
  try {
    manifest = await writeSynthShards(source, values.out, {
      pool,
      count,
      name,
      samplesPerShard: int(values['samples-per-shard'], '--samples-per-shard') ?? DEFAULT_SAMPLES_PER_SHARD,
      onProgress: (p) => {
        const now = performance.now();
        if (!values.json && process.stderr.isTTY && now - last > 250) {
          last = now;
          process.stderr.write(`\r${p.samples}/${p.total} samples, ${p.shards} shards`);
        }
      },
    });
  } finally {
    await pool?.close();
  }
  const s = (performance.now() - t0) / 1000;
  if (!values.json && process.stderr.isTTY) process.stderr.write('\n');
  const bytes = manifest.shards.reduce((a, x) => a + x.bytes, 0);
  const summary = { name, out: path.resolve(values.out), seed, style: source.options.style, workers, fonts: source.options.fonts.length, samples: manifest.sampleCount, shards: manifest.shards.length, bytes, seconds: Number(s.toFixed(3)), samplesPerSecond: Number((manifest.sampleCount / s).toFixed(1)) };
  console.log(values.json ? JSON.stringify(summary) : `${name}: ${summary.samples} synthetic words (seed ${seed}) in ${summary.shards} shards (${(bytes / 1e6).toFixed(1)} MB) → ${summary.out} in ${s.toFixed(2)} s (${summary.samplesPerSecond} samples/s)`);
  return 0;
}
