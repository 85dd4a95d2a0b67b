/**
 * `webstr train --preset <name> [--init weights] --data <lmdb-or-shard dir>... [--synthetic ratio]
 *  --steps N --out <dir> [--backend …]` (issue 9): the trainer worker's loop (`Trainer.run`) and recipe
 * rules (src/train/recipe.ts, src/eval/train_setup.ts), in Node.
 * `--out` holds `checkpoints/<run>/{latest,best}.ckpt` (atomic), `weights/` (the trained weights in the
 * project's format, loadable by `webstr recognize/eval`) and `history.json`. Running the same command
 * again on an `--out` that holds a checkpoint continues that run. Progress bar on stderr.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { initBackend, parseBackendRequest } from '../src/runtime/backend.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { DEFAULT_LIMITS } from '../src/image/errors.ts';
import { getPreset } from '../src/models/presets.ts';
import { buildStages, headClasses } from '../src/models/model.ts';
import type { ModelConfig } from '../src/models/config.ts';
import { getCharset, type Charset } from '../src/text/charset.ts';
import { saveWeightsDir } from '../src/weights/node_io.ts';
import { loadModelNode } from '../src/recognize/node_load.ts';
import { openDatasetPath } from '../src/data/node_shards.ts';
import { createNodeSynth } from '../src/synth/node.ts';
import { encodePng } from '../src/synth/node_shards.ts';
import { DirCheckpointStore } from '../src/train/node_store.ts';
import { SampleSourceError } from '../src/train/errors.ts';
import { checkRecipe, SYNTH_VALIDATION } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { describePartialInit, partialInit } from '../src/train/partial_init.ts';
import type { HostTensors, OptimizerSpec, TrainProgress, TrainRecipe } from '../src/train/types.ts';
import { prepareTraining, type TrainPlatform } from '../src/eval/train_setup.ts';
import { loadNodeGpu } from './node_gpu.ts';

export const TRAIN_USAGE =
  'webstr train --preset <name> [--init <weights|.onnx|.pth|shipped name> [--init-partial]] [--data <lmdb-or-shard dir>...] [--synthetic <ratio 0..1>] [--synth-vocab N] --steps N --out <dir> [--backend auto|webgpu|wasm|cpu] [--batch N] [--optimizer adam|adamw|adadelta|sgd] [--lr X] [--schedule constant|cosine] [--warmup N] [--clip X] [--bn train|frozen] [--width W] [--augment] [--val <dir>|synthetic:held-out --val-limit N --eval-every N] [--checkpoint-every N] [--seed N] [--run <id>] [--float16]';

/** Node's side of a training run: dataset paths, @napi-rs/canvas synthetic words and PNGs. */
const platform: TrainPlatform = {
  openDataset: (p) => openDatasetPath(p),
  synth: (o) => Promise.resolve(createNodeSynth(o)),
  decode: (b) => decodeNode(b, DEFAULT_LIMITS),
  encodePng: (img) => Promise.resolve(encodePng(img)),
};

function num(name: string, v: string | undefined, check: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`--${name}: '${v}' is not valid`);
  return n;
}

const int = (lo: number) => (n: number): boolean => Number.isInteger(n) && n >= lo;

/** The references' optimizer for a preset family (docs/models.md §5.3): Paddle Adam, DTRB Adadelta(1.0) + clip 5. */
function defaultOptimizer(config: ModelConfig): { spec: OptimizerSpec; clip?: number } {
  return config.head.naming === 'paddle' ? { spec: { kind: 'adam', lr: 1e-3 } } : { spec: { kind: 'adadelta', lr: 1, rho: 0.95, eps: 1e-8 }, clip: 5 };
}

function bar(p: TrainProgress): string {
  const w = 24;
  const done = Math.round((w * p.step) / p.totalSteps);
  const eta = p.etaSec === null ? '…' : p.etaSec >= 120 ? `${(p.etaSec / 60).toFixed(0)} min` : `${p.etaSec.toFixed(0)} s`;
  const val = p.val ? ` · val ${p.val.accuracy.toFixed(2)}%` : '';
  return `[${'#'.repeat(done)}${'-'.repeat(w - done)}] ${p.step}/${p.totalSteps} · loss ${Number.isFinite(p.loss) ? p.loss.toFixed(4) : '–'} · lr ${p.lr.toExponential(2)} · ${p.samplesPerSec.toFixed(1)} samples/s · ETA ${eta}${val} · ${p.phase}`;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      init: { type: 'string' },
      'init-partial': { type: 'boolean', default: false },
      float16: { type: 'boolean', default: false },
      data: { type: 'string', multiple: true },
      synthetic: { type: 'string' },
      'synth-vocab': { type: 'string' },
      steps: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      batch: { type: 'string', default: '32' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      schedule: { type: 'string', default: 'constant' },
      warmup: { type: 'string', default: '0' },
      clip: { type: 'string' },
      bn: { type: 'string' },
      width: { type: 'string' },
      augment: { type: 'boolean', default: false },
      val: { type: 'string' },
      'val-limit': { type: 'string' },
      'eval-every': { type: 'string', default: '0' },
      'checkpoint-every': { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      run: { type: 'string', default: 'run' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const data = [...(values.data ?? []), ...positionals];
  if (values.preset === undefined || values.steps === undefined || values.out === undefined) throw new InvalidArgumentError(`usage: ${TRAIN_USAGE}`);
  const ratio = num('synthetic', values.synthetic, (n) => n >= 0 && n <= 1) ?? (data.length === 0 ? 1 : 0);
  if (data.length === 0 && ratio < 1) throw new InvalidArgumentError('webstr train: give --data <dataset>... or --synthetic 1 (synthetic words only)');
  const steps = num('steps', values.steps, int(1))!;
  const out = values.out;
  getPreset(values.preset); // named error for an unknown preset before anything is loaded

  const request = parseBackendRequest(values.backend);
  const { gpu } = request === 'wasm' || request === 'cpu' ? { gpu: undefined } : await loadNodeGpu();
  registerAllKernels();
  const capabilities = await initBackend(request, { gpu });

  let config: ModelConfig = getPreset(values.preset);
  // A charset read at run time (ppocr_keys_v1) comes with the --init weights: look it up only without them.
  let charset: Charset | null = null;
  let init: HostTensors | null = null;
  let partialNote: string | null = null;
  if (values['init-partial']) {
    if (values.init === undefined) throw new InvalidArgumentError('--init-partial needs --init <weights>');
    // Any architecture: take what matches by name and shape, fresh parameters for the rest; the charset is the preset's.
    const loaded = await loadModelNode(values.init, values.preset);
    charset = getCharset(config.charset);
    try {
      const p = await partialInit(buildStages(config, headClasses(config, charset.symbols.length)).specs, loaded.params, num('seed', values.seed, int(0))!, values.init);
      init = p.init;
      partialNote = describePartialInit(p, `${values.init} (${loaded.meta.preset}; ${loaded.meta.provenance.source})`);
      console.error(`webstr train: ${partialNote}`);
    } finally {
      for (const t of loaded.params.values()) t.dispose();
    }
  } else if (values.init !== undefined) {
    const loaded = await loadModelNode(values.init, values.preset);
    if (loaded.meta.preset !== values.preset) {
      throw new InvalidArgumentError(`--init ${values.init} holds a '${loaded.meta.preset}' model, not '${values.preset}'`);
    }
    config = loaded.meta.config;
    charset = loaded.meta.charset;
    init = {};
    for (const [k, t] of loaded.params) init[k] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
    for (const t of loaded.params.values()) t.dispose();
  }
  charset ??= getCharset(config.charset);

  const def = defaultOptimizer(config);
  const kind = (values.optimizer ?? def.spec.kind) as OptimizerSpec['kind'];
  if (!['adam', 'adamw', 'adadelta', 'sgd'].includes(kind)) throw new InvalidArgumentError(`--optimizer: expected adam, adamw, adadelta or sgd, got '${kind}'`);
  const lr = num('lr', values.lr, (n) => n > 0) ?? (kind === def.spec.kind ? def.spec.lr : kind === 'adadelta' ? 1 : 1e-3);
  const optimizer: OptimizerSpec = kind === def.spec.kind ? { ...def.spec, lr } : ({ kind, lr });
  const bn = values.bn ?? (init === null || partialNote !== null ? 'train' : 'frozen');
  if (bn !== 'train' && bn !== 'frozen') throw new InvalidArgumentError(`--bn: expected train or frozen, got '${bn}'`);
  if (values.schedule !== 'constant' && values.schedule !== 'cosine') throw new InvalidArgumentError(`--schedule: expected constant or cosine, got '${values.schedule}'`);
  const clip = num('clip', values.clip, (n) => n > 0) ?? (values.optimizer === undefined ? def.clip : undefined);
  const vocab = num('synth-vocab', values['synth-vocab'], int(1));
  const width = num('width', values.width, int(8));
  const recipe: TrainRecipe = {
    preset: values.preset,
    init: values.init === undefined ? null : values['init-partial'] ? `partial:${values.init}` : values.init,
    datasets: data,
    syntheticRatio: ratio,
    validation: values.val === undefined ? null : { dataset: values.val, ...(values['val-limit'] !== undefined ? { limit: num('val-limit', values['val-limit'], int(1))! } : {}) },
    steps,
    batchSize: num('batch', values.batch, int(1))!,
    optimizer,
    schedule: values.schedule === 'cosine' ? { kind: 'cosine', warmup: num('warmup', values.warmup, int(0))! } : { kind: 'constant' },
    ...(clip !== undefined ? { clipNorm: clip } : {}),
    batchNorm: bn,
    augment: values.augment,
    evalEvery: num('eval-every', values['eval-every'], int(0))!,
    checkpointEvery: num('checkpoint-every', values['checkpoint-every'], int(0))!,
    seed: num('seed', values.seed, int(0))!,
    // Synthetic words here are the shipped word list unless a small vocabulary is asked for.
    ...(ratio > 0 ? { synthetic: vocab !== undefined ? { kind: 'tiny', vocabulary: vocab } : { kind: 'words' } } : {}),
    ...(width !== undefined ? { inputWidth: width } : {}),
  };
  checkRecipe(recipe);

  for (const d of [...data, ...(values.val !== undefined && values.val !== SYNTH_VALIDATION ? [values.val] : [])]) {
    const st = await stat(d).catch(() => null);
    if (st === null) throw new SampleSourceError(`--data/--val ${d}: no such file or directory`);
  }
  const setup = await prepareTraining(recipe, { config, charset }, platform);
  try {
    const store = new DirCheckpointStore(path.join(out, 'checkpoints'));
    let lastDraw = 0;
    const trainer = await Trainer.create({
      recipe,
      runId: values.run,
      config,
      charset,
      init,
      store,
      source: setup.source,
      decode: platform.decode,
      augment: setup.augment,
      ...(setup.validate !== undefined ? { validate: setup.validate } : {}),
      onProgress: (p) => {
        if (p.notice !== undefined) console.error(`\nwebstr train: ${p.notice}`);
        if (values.quiet) return;
        const t = performance.now();
        if (p.phase === 'training' && t - lastDraw < 500 && p.step < p.totalSteps) return;
        lastDraw = t;
        process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${bar(p)}` : `${bar(p)}\n`);
      },
    });
    try {
      if (trainer.step > 0) console.error(`webstr train: resuming run '${values.run}' at step ${trainer.step} from ${path.join(out, 'checkpoints')}`);
      const onSignal = (): void => trainer.stop();
      process.once('SIGINT', onSignal);
      const t0 = performance.now();
      const startStep = trainer.step;
      const result = await trainer.run();
      process.off('SIGINT', onSignal);
      if (process.stderr.isTTY && !values.quiet) process.stderr.write('\n');
      const seconds = (performance.now() - t0) / 1000;
      const { params, meta } = trainer.exportWeights(partialNote === null ? {} : { notes: `${partialNote}; recipe ${JSON.stringify(recipe)}` });
      try {
        await saveWeightsDir(path.join(out, 'weights'), params, meta, { float16: values.float16 });
      } finally {
        for (const t of params.values()) t.dispose();
      }
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, 'history.json'), JSON.stringify({ recipe, backend: capabilities.backend, seconds, stepsThisRun: result.step - startStep, ...result }, null, 1) + '\n');
      const lastLoss = result.history.at(-1)?.loss;
      console.log(
        `webstr train: ${result.done ? 'done' : 'stopped'} at step ${result.step}/${steps} on ${capabilities.backend} in ${seconds.toFixed(1)} s; last loss ${lastLoss?.toFixed(4) ?? '–'}; weights → ${path.join(out, 'weights')}`,
      );
      return 0;
    } finally {
      trainer.dispose();
    }
  } finally {
    await setup.close();
  }
}
