/**
 * `webstr train --preset <name> [--init weights] --data <lmdb-or-shard dir>... [--synthetic ratio]
 *  --steps N --out <dir> [--backend …]` (issue 9): the same Trainer as the trainer worker, in Node.
 * `--out` holds `checkpoints/<run>/{latest,best}.ckpt` (atomic), `weights/` (the trained weights in the
 * project's format, loadable by `webstr recognize/eval`) and `history.json`. Running the same command
 * again on an `--out` that holds a checkpoint continues that run. Progress bar on stderr.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { DEFAULT_LIMITS } from '../src/image/errors.ts';
import { augment as augmentImage } from '../src/image/augment.ts';
import { getPreset } from '../src/models/presets.ts';
import type { ModelConfig } from '../src/models/config.ts';
import { getCharset, type Charset } from '../src/text/charset.ts';
import { saveWeightsDir } from '../src/weights/node_io.ts';
import { loadModelNode } from '../src/recognize/node_load.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { openDatasetPath } from '../src/data/node_shards.ts';
import { createNodeSynth } from '../src/synth/node.ts';
import { tinySynthOptions } from '../src/synth/plan.ts';
import { DEFAULT_WORDS } from '../src/synth/words.ts';
import { DatasetSource, MixSource } from '../src/train/sources.ts';
import { DirCheckpointStore } from '../src/train/node_store.ts';
import { SampleSourceError } from '../src/train/errors.ts';
import { Trainer, type Validator } from '../src/train/trainer.ts';
import type { HostTensors, OptimizerSpec, SampleSource, TrainProgress, TrainRecipe } from '../src/train/types.ts';
import { evaluate } from '../src/eval/runner.ts';
import { loadNodeGpu } from '../src/runtime/node_gpu.ts';
import { JSON_OPTION, UsageError, backendArg, emitResult, jsonTarget, numberArg, parseCommandArgs } from './usage.ts';

function num(name: string, v: string | undefined, check: (n: number) => boolean): number | undefined {
  return numberArg(name, v, check, 'a valid number');
}

const int = (lo: number) => (n: number): boolean => Number.isInteger(n) && n >= lo;

/** The references' optimizer for a preset family (MODELS.md §4.3): Paddle Adam, DTRB Adadelta(1.0) + clip 5. */
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
  const { values, positionals } = parseCommandArgs(argv, {
      preset: { type: 'string' },
      init: { type: 'string' },
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
      ...JSON_OPTION,
  });
  const data = [...(values.data ?? []), ...positionals];
  for (const [k, v] of [['--preset', values.preset], ['--steps', values.steps], ['--out', values.out]] as const) if (v === undefined) throw new UsageError(`${k} is required`);
  const json = jsonTarget(values.json);
  const ratio = num('synthetic', values.synthetic, (n) => n >= 0 && n <= 1) ?? (data.length === 0 ? 1 : 0);
  if (data.length === 0 && ratio < 1) throw new UsageError('give --data <dataset>... or --synthetic 1 (synthetic words only)');
  const steps = num('steps', values.steps, int(1))!;
  const out = values.out!;
  const preset = values.preset!;
  getPreset(preset); // named error for an unknown preset before anything is loaded
  const request = backendArg(values.backend);
  if (values.optimizer !== undefined && !['adam', 'adamw', 'adadelta', 'sgd'].includes(values.optimizer)) throw new UsageError(`--optimizer: expected adam, adamw, adadelta or sgd, got '${values.optimizer}'`);
  if (values.bn !== undefined && values.bn !== 'train' && values.bn !== 'frozen') throw new UsageError(`--bn: expected train or frozen, got '${values.bn}'`);
  if (values.schedule !== 'constant' && values.schedule !== 'cosine') throw new UsageError(`--schedule: expected constant or cosine, got '${values.schedule}'`);

  const { gpu } = request === 'wasm' || request === 'cpu' ? { gpu: undefined } : await loadNodeGpu();
  registerAllKernels();
  const capabilities = await initBackend(request, { gpu });

  let config: ModelConfig = getPreset(preset);
  let charset: Charset = getCharset(config.charset);
  let init: HostTensors | null = null;
  if (values.init !== undefined) {
    const loaded = await loadModelNode(values.init, preset);
    if (loaded.meta.preset !== preset) {
      throw new InvalidArgumentError(`--init ${values.init} holds a '${loaded.meta.preset}' model, not '${preset}'`);
    }
    config = loaded.meta.config;
    charset = loaded.meta.charset;
    init = {};
    for (const [k, t] of loaded.params) init[k] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
    for (const t of loaded.params.values()) t.dispose();
  }

  const def = defaultOptimizer(config);
  const kind = (values.optimizer ?? def.spec.kind) as OptimizerSpec['kind'];
  const lr = num('lr', values.lr, (n) => n > 0) ?? (kind === def.spec.kind ? def.spec.lr : kind === 'adadelta' ? 1 : 1e-3);
  const optimizer: OptimizerSpec = kind === def.spec.kind ? { ...def.spec, lr } : ({ kind, lr });
  const bn = values.bn === 'train' || values.bn === 'frozen' ? values.bn : init === null ? 'train' : 'frozen';
  const clip = num('clip', values.clip, (n) => n > 0) ?? (values.optimizer === undefined ? def.clip : undefined);
  const recipe: TrainRecipe = {
    preset,
    init: values.init ?? null,
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
  };

  // Sources: datasets (shuffled epochs, DTRB filter over the model's charset) and/or synthetic words.
  for (const d of [...data, ...(values.val !== undefined ? [values.val] : [])]) {
    const st = await stat(d).catch(() => null);
    if (st === null) throw new SampleSourceError(`--data/--val ${d}: no such file or directory`);
  }
  const opened = await Promise.all(data.map((d) => openDatasetPath(d)));
  const vocab = num('synth-vocab', values['synth-vocab'], int(1));
  try {
    const maxLength = config.head.kind === 'attention' ? config.head.steps - 1 : 25;
    const filter = { charset: charset.symbols.join(''), maxLength };
    const datasetSource = opened.length > 0 ? await DatasetSource.create(opened.map((o) => o.dataset), { seed: recipe.seed, filter }) : null;
    let source: SampleSource;
    if (ratio > 0) {
      const w = config.input.resize.mode === 'stretch' ? config.input.resize.width : null;
      const synth = createNodeSynth({
        ...(vocab !== undefined ? tinySynthOptions({ words: DEFAULT_WORDS.slice(0, vocab) }) : {}),
        seed: recipe.seed + 1,
        charset,
        maxLength,
        height: config.input.height,
        width: w,
      });
      source = datasetSource === null ? synth : new MixSource(datasetSource, synth, ratio);
    } else {
      source = datasetSource!;
    }

    let validate: Validator | undefined;
    if (values.val !== undefined) {
      const val = await openDatasetPath(values.val);
      opened.push(val);
      const limit = recipe.validation?.limit;
      validate = async (params) => {
        const rec = Recognizer.create(
          { config, charset, tensors: new Map(Object.entries(params)) },
          { decoder: (b) => decodeNode(b, DEFAULT_LIMITS), maxBatch: 32 },
        );
        try {
          const report = await evaluate([{ name: val.name, count: val.dataset.count, samples: () => val.dataset.samples() }], async (images) =>
            (await rec.recognizeBatch(images)).map((o) => (o.ok ? { text: o.text, confidence: o.confidence } : { error: o.error.message })),
            { filtering: 'off', batchSize: 64, ...(limit !== undefined ? { limit } : {}) },
          );
          const r = report.summary.weighted;
          return { accuracy: r.accuracy, ned: r.oneMinusNed };
        } finally {
          rec.dispose();
        }
      };
    }

    const store = new DirCheckpointStore(path.join(out, 'checkpoints'));
    let lastDraw = 0;
    const trainer = await Trainer.create({
      recipe,
      runId: values.run,
      config,
      charset,
      init,
      source,
      store,
      decode: (b) => decodeNode(b, DEFAULT_LIMITS),
      augment: (img, random) => augmentImage(img, random).image,
      ...(validate !== undefined ? { validate } : {}),
      ...(values.width !== undefined ? { inputWidth: num('width', values.width, int(8))! } : {}),
      onProgress: (p) => {
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
      const { params, meta } = trainer.exportWeights();
      try {
        await saveWeightsDir(path.join(out, 'weights'), params, meta);
      } finally {
        for (const t of params.values()) t.dispose();
      }
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, 'history.json'), JSON.stringify({ recipe, backend: capabilities.backend, seconds, stepsThisRun: result.step - startStep, ...result }, null, 1) + '\n');
      const lastLoss = result.history.at(-1)?.loss;
      const summary = {
        done: result.done,
        step: result.step,
        steps,
        stepsThisRun: result.step - startStep,
        backend: capabilities.backend,
        seconds: Number(seconds.toFixed(3)),
        lastLoss: lastLoss ?? null,
        weights: path.resolve(out, 'weights'),
        checkpoints: path.resolve(out, 'checkpoints', values.run),
        history: path.resolve(out, 'history.json'),
      };
      await emitResult(
        json,
        summary,
        `webstr train: ${result.done ? 'done' : 'stopped'} at step ${result.step}/${steps} on ${capabilities.backend} in ${seconds.toFixed(1)} s; last loss ${lastLoss?.toFixed(4) ?? '–'}; weights → ${path.join(out, 'weights')}`,
      );
      return 0;
    } finally {
      trainer.dispose();
    }
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}
