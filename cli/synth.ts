/** `webstr synth --count N --seed S --out <shard dir>`: synthetic word crops (MJSynth-style) as webstr shards. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_SAMPLES_PER_SHARD } from '../src/data/sharded.ts';
import { type NodeSynthOptions, createNodeSynth, loadBackgroundImages } from '../src/synth/node.ts';
import { SynthPool } from '../src/synth/node_pool.ts';
import type { DatasetManifest } from '../src/data/shard.ts';
import { writeSynthShards } from '../src/synth/node_shards.ts';
import { JSON_OPTION, UsageError, emitResult, isInt, jsonTarget, numberArg, parseCommandArgs } from './usage.ts';

export async function synthCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
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
      'samples-per-shard': { type: 'string' },
      name: { type: 'string' },
      style: { type: 'string' },
      'font-cache': { type: 'string' },
      workers: { type: 'string', default: '1' },
      ...JSON_OPTION,
  });
  if (values.count === undefined) throw new UsageError('--count N is required');
  if (values.out === undefined) throw new UsageError('--out <shard dir> is required');
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const json = jsonTarget(values.json);
  const quiet = json.kind === 'stdout';
  const int = (v: string | undefined, what: string, min = 1): number | undefined => numberArg(what.replace(/^--/, ''), v, isInt(min), `an integer ≥ ${min}`);
  const count = int(values.count, '--count')!;
  const seed = int(values.seed, '--seed', 0)!;
  let words: string[] | undefined;
  if (values.words !== undefined) {
    const text = await readFile(values.words, 'utf8');
    words = text.split(/\r?\n/).map((w) => w.trim()).filter((w) => w !== '');
  }
  const ratio = numberArg('digits-ratio', values['digits-ratio'], (n) => n >= 0 && n <= 1, 'a share in 0…1');
  const backgroundImages = values.backgrounds === undefined ? undefined : await loadBackgroundImages(values.backgrounds.split(',').filter((f) => f !== ''));
  if (values.style !== undefined && values.style !== 'basic' && values.style !== 'rich') throw new UsageError(`--style must be basic or rich, got '${values.style}'`);
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
        if (!quiet && process.stderr.isTTY && now - last > 250) {
          last = now;
          process.stderr.write(`\r${p.samples}/${p.total} samples, ${p.shards} shards`);
        }
      },
    });
  } finally {
    await pool?.close();
  }
  const s = (performance.now() - t0) / 1000;
  if (!quiet && process.stderr.isTTY) process.stderr.write('\n');
  const bytes = manifest.shards.reduce((a, x) => a + x.bytes, 0);
  const summary = { name, out: path.resolve(values.out), seed, style: source.options.style, workers, fonts: source.options.fonts.length, samples: manifest.sampleCount, shards: manifest.shards.length, bytes, seconds: Number(s.toFixed(3)), samplesPerSecond: Number((manifest.sampleCount / s).toFixed(1)) };
  await emitResult(json, summary, `${name}: ${summary.samples} synthetic words (seed ${seed}) in ${summary.shards} shards (${(bytes / 1e6).toFixed(1)} MB) → ${summary.out} in ${s.toFixed(2)} s (${summary.samplesPerSecond} samples/s)`);
  return 0;
}
