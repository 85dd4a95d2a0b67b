/**
 * Training in Node, for the library (`train` from 'webstr' in Node) and `webstr train`: the same Trainer as
 * the trainer worker. `out` holds `checkpoints/<run>/{latest,best}.ckpt` (atomic), `weights/` (the
 * trained weights in the project's format, loadable by createRecognizer, `webstr recognize/eval`) and
 * `history.json`. A second call with the same `out` continues the run from its checkpoint.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { parseBackendRequest } from '../runtime/backend.ts';
import type { BackendRequest } from '../runtime/backend_names.ts';
import { startEngine } from '../ops/engine_node.ts';
import { decodeNode } from '../image/decode_node.ts';
import { DEFAULT_LIMITS } from '../image/errors.ts';
import { getPreset } from '../models/presets.ts';
import type { ModelConfig } from '../models/config.ts';
import { getCharset, type Charset } from '../text/charset.ts';
import { saveWeightsDir } from '../weights/node_io.ts';
import { loadModelNode } from '../recognize/node_load.ts';
import { buildStages, headClasses } from '../models/model.ts';
import type { StageName } from '../models/config.ts';
import { toHost, type Params } from '../models/params.ts';
import { describePartialInit, mergeInitSources, partialInit } from '../train/partial_init.ts';
import { openDatasetPath } from '../data/node_shards.ts';
import { type NodeSynthOptions, createNodeSynth } from '../synth/node.ts';
import { encodePng } from '../synth/node_shards.ts';
import { PooledSynthSource, SynthPool } from '../synth/node_pool.ts';
import { DirCheckpointStore } from '../train/node_store.ts';
import { SampleSourceError } from '../train/errors.ts';
import { checkRecipe, SYNTH_VALIDATION } from '../train/recipe.ts';
import { Trainer } from '../train/trainer.ts';
import { MAX_REPLICA_WORKERS, nodeReplicas } from '../train/node_replicas.ts';
import type { HostTensors, OptimizerSpec, TrainRecipe } from '../train/types.ts';
import { prepareTraining, type TrainPlatform } from '../eval/train_setup.ts';

// Declared here (not re-exported from src/train) so the package's types stay clear of tfjs's; the
// Trainer's progress must stay assignable to it (it is passed straight through).
/** One progress report of a training run. */
export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  samplesPerSec: number;
  etaSec: number | null;
  phase: 'starting' | 'training' | 'validating' | 'checkpointing' | 'paused' | 'stopped' | 'done';
  /** Set on validation steps: accuracy (%) and 1-NED. */
  val?: { accuracy: number; ned: number };
  /** Something the run did on its own (e.g. back to wasm after a lost GPU device). */
  notice?: string;
}

export type OptimizerKind = 'adam' | 'adamw' | 'adadelta' | 'sgd';

export interface TrainOptions {
  /** The architecture (a preset name). */
  preset: string;
  /** Start from these weights (a shipped name or a path as createRecognizer takes in Node); else from scratch.
   *  Several sources only with `initPartial`: a later one wins for a tensor both hold. */
  init?: string | string[];
  /** Take from `init` only the tensors whose name and shape match this preset's (another architecture, e.g.
   *  ppocr-v4's backbone for crnn-lcnet); the rest start fresh, and the weights' provenance says which. */
  initPartial?: boolean;
  /** Save the trained weights in half precision (float16 on disk, float32 when loaded). */
  float16?: boolean;
  /** Training datasets: LMDB folders or shard folders. */
  data?: string[];
  /** Share of synthetic words in each batch, 0..1 (default: 1 without data, else 0). */
  synthetic?: number;
  /** Synthetic words from the first N of the built-in word list. */
  synthVocab?: number;
  /** Synthetic style (default 'basic'; 'rich': src/synth/rich.ts). */
  synthStyle?: 'basic' | 'rich';
  /** Worker threads rendering synthetic words one batch ahead (default 1: in this thread). */
  synthWorkers?: number;
  /**
   * Data-parallel training on this many threads (default 1: this thread only): each step's batch is cut
   * into `workers` parts, this thread and `workers − 1` worker threads each decode, augment and train on
   * one, and one optimizer step applies their averaged gradients (src/train/replica.ts). BatchNorm batch
   * statistics are then per part.
   */
  workers?: number;
  /** Steps to reach (a resumed run continues up to this step). */
  steps: number;
  /** Folder for checkpoints, weights and history. */
  out: string;
  /** Default 'wasm'. */
  backend?: BackendRequest;
  /** Default 32. */
  batch?: number;
  /** Default: the preset family's reference optimizer (Paddle: Adam 1e-3; DTRB: Adadelta 1.0 with clip 5). */
  optimizer?: OptimizerKind;
  lr?: number;
  schedule?: 'constant' | 'cosine';
  warmup?: number;
  clip?: number;
  /** BatchNorm statistics: frozen with `init`, else train. */
  batchNorm?: 'train' | 'frozen';
  /** A fixed input width. */
  width?: number;
  /** Stages kept as initialised (not trained; see `TrainRecipe.freeze`). */
  freeze?: StageName[];
  augment?: boolean;
  /** Validation: a dataset folder, or 'synthetic:held-out' (synthetic words the run never trains on); scored
   *  before the first step, every `evalEvery` steps and after the last. */
  val?: string;
  valLimit?: number;
  evalEvery?: number;
  /** Default 100. */
  checkpointEvery?: number;
  /** Default 1. */
  seed?: number;
  /** Run id: checkpoints go to `out/checkpoints/<run>` (default 'run'). */
  run?: string;
  onProgress?: (p: TrainProgress) => void;
  /** Hears what the run decides on its own before it starts (e.g. which tensors a partial init took). */
  onNotice?: (message: string) => void;
  /** Called once the trainer is ready, with the step it starts from (> 0 when resuming). */
  onStart?: (info: { step: number; checkpoints: string }) => void;
  /** Aborting stops after the current step, with a checkpoint and the weights written. */
  signal?: AbortSignal;
}

export interface TrainSummary {
  /** The run is over: `steps` reached, or stopped by the signal. */
  done: boolean;
  /** Stopped by the signal. */
  stopped: boolean;
  step: number;
  steps: number;
  stepsThisRun: number;
  backend: string;
  seconds: number;
  lastLoss: number | null;
  weights: string;
  checkpoints: string;
  history: string;
}

/** The references' optimizer for a preset family (docs/models.md §5.3): Paddle Adam, DTRB Adadelta(1.0) + clip 5. */
function defaultOptimizer(config: ModelConfig): { spec: OptimizerSpec; clip?: number } {
  return config.head.naming === 'paddle' ? { spec: { kind: 'adam', lr: 1e-3 } } : { spec: { kind: 'adadelta', lr: 1, rho: 0.95, eps: 1e-8 }, clip: 5 };
}

function check(name: string, v: number | undefined, ok: (n: number) => boolean, expected: string): void {
  if (v !== undefined && !(Number.isFinite(v) && ok(v))) throw new InvalidArgumentError(`${name}: expected ${expected}, got ${v}`);
}

const isInt = (lo: number) => (n: number): boolean => Number.isInteger(n) && n >= lo;

export async function train(o: TrainOptions): Promise<TrainSummary> {
  const data = o.data ?? [];
  const ratio = o.synthetic ?? (data.length === 0 ? 1 : 0);
  check('synthetic', ratio, (n) => n >= 0 && n <= 1, 'a share in 0…1');
  if (data.length === 0 && ratio < 1) throw new InvalidArgumentError('train: give data (datasets) or synthetic: 1 (synthetic words only)');
  check('steps', o.steps, isInt(1), 'an integer ≥ 1');
  for (const [k, v, lo] of [['batch', o.batch, 1], ['warmup', o.warmup, 0], ['width', o.width, 8], ['valLimit', o.valLimit, 1], ['evalEvery', o.evalEvery, 0], ['checkpointEvery', o.checkpointEvery, 0], ['seed', o.seed, 0], ['synthVocab', o.synthVocab, 1]] as const) {
    check(k, v, isInt(lo), `an integer ≥ ${lo}`);
  }
  check('workers', o.workers, (n) => Number.isInteger(n) && n >= 1 && n <= MAX_REPLICA_WORKERS + 1, `an integer in 1…${MAX_REPLICA_WORKERS + 1}`);
  check('lr', o.lr, (n) => n > 0, 'a number > 0');
  check('clip', o.clip, (n) => n > 0, 'a number > 0');
  if (o.optimizer !== undefined && !['adam', 'adamw', 'adadelta', 'sgd'].includes(o.optimizer)) throw new InvalidArgumentError(`optimizer: expected adam, adamw, adadelta or sgd, got '${String(o.optimizer)}'`);
  const preset = o.preset;
  getPreset(preset); // named error for an unknown preset before anything is loaded
  const request = parseBackendRequest(o.backend ?? 'wasm');
  const runId = o.run ?? 'run';
  const out = o.out;

  const { report: capabilities } = await startEngine(request);

  let config: ModelConfig = getPreset(preset);
  // A charset read at run time (ppocr_keys_v1) comes with the init weights: look it up only without them.
  let charset: Charset | null = null;
  let init: HostTensors | null = null;
  let partialNote: string | null = null;
  const inits = o.init === undefined ? [] : typeof o.init === 'string' ? [o.init] : o.init;
  if (inits.length > 1 && o.initPartial !== true) throw new InvalidArgumentError(`several init sources (${inits.join(', ')}) need initPartial`);
  const initName = inits.join('+');
  if (o.initPartial === true) {
    if (inits.length === 0) throw new InvalidArgumentError('initPartial needs init (the weights to take from)');
    // Any architecture: take what matches by name and shape, fresh parameters for the rest; the charset is the
    // preset's. Several sources: merged in order, a later one replacing an earlier one's tensor of the same name.
    charset = getCharset(config.charset);
    let merged: Params = new Map();
    const described: string[] = [];
    try {
      for (const src of inits) {
        const loaded = await loadModelNode(src, preset);
        merged = mergeInitSources([merged, loaded.params]);
        described.push(`${src} (${loaded.meta.preset}; ${loaded.meta.provenance.source})`);
      }
      const p = await partialInit(buildStages(config, headClasses(config, charset.symbols.length)).specs, merged, o.seed ?? 1, initName);
      init = p.init;
      partialNote = describePartialInit(p, described.join(' + '));
      o.onNotice?.(partialNote);
    } finally {
      for (const t of merged.values()) t.dispose();
    }
  } else if (inits.length === 1) {
    const loaded = await loadModelNode(inits[0]!, preset);
    if (loaded.meta.preset !== preset) {
      for (const t of loaded.params.values()) t.dispose();
      throw new InvalidArgumentError(`--init ${initName} holds a '${loaded.meta.preset}' model, not '${preset}'`);
    }
    config = loaded.meta.config;
    charset = loaded.meta.charset;
    init = await toHost(loaded.params);
    for (const t of loaded.params.values()) t.dispose();
  }
  charset ??= getCharset(config.charset);

  const def = defaultOptimizer(config);
  const kind = o.optimizer ?? def.spec.kind;
  const lr = o.lr ?? (kind === def.spec.kind ? def.spec.lr : kind === 'adadelta' ? 1 : 1e-3);
  const optimizer: OptimizerSpec = kind === def.spec.kind ? { ...def.spec, lr } : { kind, lr };
  const clip = o.clip ?? (o.optimizer === undefined ? def.clip : undefined);
  const recipe: TrainRecipe = {
    preset,
    init: inits.length === 0 ? null : o.initPartial === true ? `partial:${initName}` : initName,
    datasets: data,
    syntheticRatio: ratio,
    validation: o.val === undefined ? null : { dataset: o.val, ...(o.valLimit !== undefined ? { limit: o.valLimit } : {}) },
    steps: o.steps,
    batchSize: o.batch ?? 32,
    optimizer,
    schedule: o.schedule === 'cosine' ? { kind: 'cosine', warmup: o.warmup ?? 0 } : { kind: 'constant' },
    ...(clip !== undefined ? { clipNorm: clip } : {}),
    batchNorm: o.batchNorm ?? (init === null || partialNote !== null ? 'train' : 'frozen'),
    augment: o.augment ?? false,
    evalEvery: o.evalEvery ?? 0,
    checkpointEvery: o.checkpointEvery ?? 100,
    seed: o.seed ?? 1,
    // Synthetic words here are the shipped word list unless a small vocabulary is asked for.
    ...(ratio > 0 ? { synthetic: o.synthVocab !== undefined ? { kind: 'tiny', vocabulary: o.synthVocab } : { kind: 'words' } } : {}),
    ...(o.width !== undefined ? { inputWidth: o.width } : {}),
    ...(o.freeze !== undefined && o.freeze.length > 0 ? { freeze: o.freeze } : {}),
  };
  checkRecipe(recipe);

  for (const d of [...data, ...(o.val !== undefined && o.val !== SYNTH_VALIDATION ? [o.val] : [])]) {
    const st = await stat(d).catch(() => null);
    if (st === null) throw new SampleSourceError(`--data/--val ${d}: no such file or directory`);
  }
  const pools: SynthPool[] = [];
  // The one setup of sources, augmentation and validation (as the trainer worker's), with Node's parts.
  const platform: TrainPlatform = {
    openDataset: (p) => openDatasetPath(p),
    synth: async (so) => {
      const options: NodeSynthOptions = { ...so, ...(o.synthStyle === 'rich' ? { style: 'rich' as const } : {}) };
      const synth = createNodeSynth(options);
      if ((o.synthWorkers ?? 1) <= 1) return synth;
      const pool = await SynthPool.create(options, o.synthWorkers!);
      pools.push(pool);
      return new PooledSynthSource(synth, pool);
    },
    decode: (b) => decodeNode(b, DEFAULT_LIMITS),
    encodePng: (img) => Promise.resolve(encodePng(img)),
  };
  const setup = await prepareTraining(recipe, { config, charset }, platform);
  try {
    const checkpoints = path.join(out, 'checkpoints');
    const trainer = await Trainer.create({
      recipe,
      runId,
      config,
      charset,
      init,
      source: setup.source,
      store: new DirCheckpointStore(checkpoints),
      decode: (b) => decodeNode(b, DEFAULT_LIMITS),
      augment: setup.augment,
      ...(setup.validate !== undefined ? { validate: setup.validate } : {}),
      ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
      ...((o.workers ?? 1) > 1 ? { replicas: nodeReplicas(o.workers! - 1, { backend: capabilities.backend }) } : {}),
    });
    try {
      o.onStart?.({ step: trainer.step, checkpoints });
      const stop = (): void => trainer.stop();
      // run() clears a stop asked before it: ask once it has started.
      if (o.signal?.aborted === true) queueMicrotask(stop);
      else o.signal?.addEventListener('abort', stop, { once: true });
      const t0 = performance.now();
      const startStep = trainer.step;
      let result: Awaited<ReturnType<Trainer['run']>>;
      try {
        result = await trainer.run();
      } finally {
        o.signal?.removeEventListener('abort', stop);
      }
      const seconds = (performance.now() - t0) / 1000;
      const { params, meta } = trainer.exportWeights(partialNote === null ? {} : { notes: `${partialNote}; recipe ${JSON.stringify(recipe)}` });
      try {
        await saveWeightsDir(path.join(out, 'weights'), params, meta, { float16: o.float16 === true });
      } finally {
        for (const t of params.values()) t.dispose();
      }
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, 'history.json'), JSON.stringify({ recipe, backend: capabilities.backend, seconds, stepsThisRun: result.step - startStep, ...result }, null, 1) + '\n');
      return {
        done: result.done,
        stopped: o.signal?.aborted === true,
        step: result.step,
        steps: o.steps,
        stepsThisRun: result.step - startStep,
        backend: capabilities.backend,
        seconds: Number(seconds.toFixed(3)),
        lastLoss: result.history.at(-1)?.loss ?? null,
        weights: path.resolve(out, 'weights'),
        checkpoints: path.resolve(checkpoints, runId),
        history: path.resolve(out, 'history.json'),
      };
    } finally {
      trainer.dispose();
      await trainer.closeReplicas();
    }
  } finally {
    await setup.close();
    await Promise.all(pools.map((p) => p.close()));
  }
}
