/**
 * The trainer worker (comlink; protocol in trainer_api.ts). Starts a run from a recipe on a base model
 * (a tf.io IndexedDB model as the demo and bench pages store them, or a preset from scratch), trains it
 * through the engine (trainer_engine.ts) on IndexedDB datasets and synthetic words, validates every
 * `evalEvery` steps with the evaluation core over the current weights, writes checkpoints (latest, and
 * best by validation accuracy) to the `webstr-train` IndexedDB, and exports the weights into the tf.io
 * model list or as a download. After a reload the page finds the unfinished run (`unfinished()`) and
 * continues it from its last checkpoint (`resumeRun`), losing at most the steps since it.
 * One run trains at a time per origin: the run holds a Web Lock while its loop runs.
 */
import * as Comlink from 'comlink';
import { tf } from '../src/runtime/tf.ts';
import { InvalidArgumentError, WebstrError, errorInfo } from '../src/runtime/errors.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { bitmapToRgba, decodeBrowser } from '../src/image/decode_browser.ts';
import { WASM_PATHS } from '../src/runtime/browser.ts';
import { getPreset } from '../src/models/presets.ts';
import { getCharset, type Charset } from '../src/text/charset.ts';
import type { ModelConfig } from '../src/models/config.ts';
import type { Params } from '../src/models/params.ts';
import { saveWeights, toArtifacts, modelJson, WEIGHTS_FORMAT, WEIGHTS_VERSION, type WebstrMetadata } from '../src/weights/format.ts';
import { parseStoredModelKey, storedModelKey, storedModelName } from '../src/recognize/model_kind.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { DataStore } from '../src/data/store.ts';
import { evaluate, type EvalDataset, type EvalSample, type RecognizeBatch } from '../src/eval/runner.ts';
import { createBrowserSynth } from '../src/synth/browser.ts';
import { TrainRecipeError } from '../src/train/errors.ts';
import { IdbCheckpointStore, type RunEvaluation, type RunRecord, type RunStatus } from '../src/train/idb_store.ts';
import type { Checkpoint, HostTensors, TrainLogEntry, TrainProgress, TrainRecipe } from '../src/train/types.ts';
import { runtimeApi } from './runtime_api.ts';
import { importStoredModel, listStoredModels, loadModelSource } from './model_source.ts';
import { createEngine, synthOptionsFor } from './trainer_core.ts';
import type { TrainEngine } from './trainer_engine.ts';
import { SYNTH_VALIDATION, type AttachedRun, type BaseModel, type ExportedModel, type ModelDownload, type RunView, type StartRequest, type TrainerEvent } from './trainer_api.ts';
import type { StoredModel } from './bench_api.ts';

/** A run is already training here or in another tab of this site. */
export class TrainerBusyError extends WebstrError {
  override name = 'TrainerBusyError';
}

/** No run with that id in this browser. */
export class RunNotFoundError extends WebstrError {
  override name = 'RunNotFoundError';
}

const IDB = 'indexeddb://';
const LOCK = 'webstr-trainer-run';
const PROGRESS_MS = 250;

let storePromise: Promise<IdbCheckpointStore> | undefined;
const ckStore = (): Promise<IdbCheckpointStore> => (storePromise ??= IdbCheckpointStore.open());
let dataPromise: Promise<DataStore> | undefined;
const dataStore = (): Promise<DataStore> => (dataPromise ??= DataStore.open());

type Listener = (e: TrainerEvent) => void;

interface Active {
  runId: string;
  record: RunRecord;
  recipe: TrainRecipe;
  config: ModelConfig;
  charset: Charset;
  validationName: string;
  engine: TrainEngine | null;
  history: TrainLogEntry[];
  best: { step: number; accuracy: number } | null;
  paused: boolean;
  stopping: boolean;
  wake: (() => void) | null;
  listener: Listener | null;
  /** History entries already sent to the listener. */
  emitted: number;
  loop: Promise<void> | null;
  /** Handed to the engine at launch, then dropped. */
  baseParams: HostTensors | null;
  resumeFrom: Checkpoint | null;
  /** Held-out synthetic validation samples, made once per run. */
  heldOut: EvalSample[] | null;
}

let active: Active | undefined;

function checkRecipe(r: TrainRecipe): void {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new TrainRecipeError(`recipe: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(r.steps, 'steps', 1);
  int(r.batchSize, 'batch size', 1);
  int(r.evalEvery, 'evaluation interval', 0);
  int(r.checkpointEvery, 'checkpoint interval', 1);
  int(r.seed, 'seed', 0);
  if (r.batchSize > 512) throw new TrainRecipeError(`recipe: batch size ${r.batchSize} is above 512`);
  if (!(r.syntheticRatio >= 0 && r.syntheticRatio <= 1)) throw new TrainRecipeError(`recipe: synthetic ratio must be in [0, 1], got ${r.syntheticRatio}`);
  if (!(r.optimizer.lr > 0 && Number.isFinite(r.optimizer.lr))) throw new TrainRecipeError(`recipe: learning rate must be > 0, got ${r.optimizer.lr}`);
  if (r.syntheticRatio < 1 && r.datasets.length === 0) throw new TrainRecipeError('recipe: choose at least one training dataset, or set the synthetic ratio to 1');
  if (r.clipNorm !== undefined && !(r.clipNorm > 0)) throw new TrainRecipeError(`recipe: clip norm must be > 0, got ${r.clipNorm}`);
}

const toHost = async (params: Params): Promise<HostTensors> => {
  const out: HostTensors = {};
  for (const [name, t] of params) out[name] = { shape: [...t.shape], data: (await t.data()) as Float32Array };
  return out;
};

const toParams = (h: HostTensors): Params => new Map(Object.entries(h).map(([k, v]) => [k, tf.tensor(v.data, v.shape, 'float32')]));

function view(rec: RunRecord, ck: { step: number; best: Checkpoint['best']; savedAt: string } | null, recipe: TrainRecipe): RunView {
  return {
    runId: rec.runId,
    status: rec.status,
    base: rec.base,
    preset: recipe.preset,
    step: ck?.step ?? 0,
    steps: recipe.steps,
    best: ck?.best ?? null,
    createdAt: rec.createdAt,
    savedAt: ck?.savedAt ?? null,
    evaluations: rec.evaluations,
    exported: rec.exported,
    ...(rec.error !== undefined ? { error: rec.error } : {}),
    recipe,
  };
}

async function runView(rec: RunRecord): Promise<RunView | null> {
  const s = await ckStore();
  const summaries = await s.list();
  const sum = summaries.find((x) => x.runId === rec.runId) ?? null;
  return view(rec, sum, rec.recipe);
}

async function putRecord(a: Active, patch: Partial<RunRecord>): Promise<void> {
  a.record = { ...a.record, ...patch, updatedAt: new Date().toISOString() };
  await (await ckStore()).putRun(a.record);
}

function emit(a: Active, e: Omit<TrainerEvent, 'runId' | 'status' | 'totalSteps' | 'entries'> & { status?: RunStatus }): void {
  const entries = a.history.slice(a.emitted);
  a.emitted = a.history.length;
  const ev: TrainerEvent = { runId: a.runId, totalSteps: a.recipe.steps, status: a.record.status, entries, ...e };
  try {
    a.listener?.(ev);
  } catch {
    // the page went away; the run goes on
  }
}

/** Held-out synthetic words (the run's synthetic options under another seed), PNG-encoded once per run. */
async function heldOutSynthetic(a: Active, count: number): Promise<EvalSample[]> {
  if (a.heldOut !== null && a.heldOut.length >= count) return a.heldOut.slice(0, count);
  const o = synthOptionsFor({ recipe: a.recipe, config: a.config, charset: a.charset });
  const synth = await createBrowserSynth({ ...o, seed: ((o.seed ?? 0) + 1_000_003) >>> 0 });
  const canvas = new OffscreenCanvas(1, 1);
  const ctx = canvas.getContext('2d')!;
  const out: EvalSample[] = [];
  for (const [i, s] of (await synth.next(count)).entries()) {
    canvas.width = s.image.width;
    canvas.height = s.image.height;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(s.image.data), s.image.width, s.image.height), 0, 0);
    out.push({ index: i + 1, label: s.label, image: new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer()) });
  }
  a.heldOut = out;
  return out;
}

async function openValidation(a: Active): Promise<EvalDataset | null> {
  const v = a.recipe.validation;
  if (v === null) return null;
  if (v.dataset === SYNTH_VALIDATION) {
    const samples = await heldOutSynthetic(a, v.limit ?? 200);
    return {
      name: a.validationName,
      count: samples.length,
      async *samples() {
        for (const x of samples) yield await Promise.resolve(x);
      },
    };
  }
  const ds = await (await dataStore()).open(v.dataset, { cacheShards: 2 });
  return { name: a.validationName, count: ds.count, samples: () => ds.samples() };
}

/** Accuracy of `params` on the validation set (evaluation core + a Recognizer over these weights). */
async function validate(a: Active, params: HostTensors, label: RunEvaluation['label'], step: number): Promise<RunEvaluation | null> {
  const ds = await openValidation(a);
  if (ds === null) return null;
  const recognizer = Recognizer.create(
    { config: a.config, charset: a.charset, tensors: new Map(Object.entries(params)) },
    { decoder: (b) => decodeBrowser(b), bitmapToPixels: bitmapToRgba, maxBatch: 32, init: { gpu: navigator.gpu, wasmPaths: WASM_PATHS } },
  );
  try {
    const recognize: RecognizeBatch = async (images) =>
      (await recognizer.recognizeBatch(images)).map((o) => (o.ok ? { text: o.text, confidence: o.confidence } : { error: `${o.error.name}: ${o.error.message}` }));
    const r = await evaluate([ds], recognize, { batchSize: 32, limit: a.recipe.validation?.limit, filtering: 'off' });
    const d = r.summary.datasets[0]!;
    return { label, step, dataset: ds.name, samples: d.samples, accuracy: d.accuracy, ned: d.oneMinusNed };
  } finally {
    recognizer.dispose();
  }
}

async function baseWeights(base: BaseModel): Promise<{ config: ModelConfig; charset: Charset; params: HostTensors | null; label: string; preset: string; init: string | null }> {
  if (base.kind === 'preset') {
    const config = getPreset(base.preset);
    return { config, charset: getCharset(config.charset), params: null, label: `${base.preset} from scratch`, preset: base.preset, init: null };
  }
  const key = base.key.startsWith(IDB) ? base.key : `${IDB}${base.key}`;
  if (parseStoredModelKey(key.slice(IDB.length)) === null) throw new InvalidArgumentError(`not a stored model key: ${base.key}`);
  const w = await loadModelSource({ kind: 'indexeddb', key });
  try {
    return { config: w.meta.config, charset: w.meta.charset, params: await toHost(w.params), label: storedModelName(key), preset: w.meta.preset, init: key };
  } finally {
    tf.dispose([...w.params.values()]);
  }
}

async function withLock<T>(body: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (locks === undefined) return body();
  // A reload releases the old worker's lock as it ends; wait a little for it rather than fail at once.
  const ctl = new AbortController();
  let held = false;
  const timer = setTimeout(() => ctl.abort(), 10_000);
  try {
    return await locks.request(LOCK, { signal: ctl.signal }, () => {
      held = true;
      clearTimeout(timer);
      return body();
    });
  } catch (err) {
    if (!held) throw new TrainerBusyError('a run is training in another tab of this site; stop it there first');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Writes the latest checkpoint (and the best one when `best` is set) at the engine's current step. */
async function checkpoint(a: Active, engine: TrainEngine, isBest: boolean, state?: Awaited<ReturnType<TrainEngine['state']>>): Promise<void> {
  const s = state ?? (await engine.state());
  const ck: Checkpoint = { runId: a.runId, recipe: a.recipe, step: engine.step, ...s, best: a.best, history: a.history, savedAt: new Date().toISOString() };
  const store = await ckStore();
  await store.save(ck, 'latest');
  if (isBest) await store.save(ck, 'best');
}

async function trainLoop(a: Active, resumedFrom: number | null): Promise<void> {
  const r = a.recipe;
  const engine = a.engine!;
  let lastEmit = 0;
  let emaStep: number | null = null;
  let first = true;
  const progress = (entry: TrainLogEntry, phase: TrainProgress['phase'], extra: Partial<TrainerEvent> = {}, force = false) => {
    const now = performance.now();
    if (!force && now - lastEmit < PROGRESS_MS) return;
    lastEmit = now;
    const left = r.steps - engine.step;
    emit(a, { ...entry, phase, etaSec: emaStep === null ? null : (left * emaStep) / 1000, ...(first && resumedFrom !== null ? { resumedFrom } : {}), ...extra });
    first = false;
  };
  const entryNow = (): TrainLogEntry => a.history.at(-1) ?? { step: engine.step, loss: NaN, lr: r.optimizer.lr, samplesPerSec: 0 };

  // Before: the base weights on the validation set (fresh runs only).
  if (engine.step === 0 && r.validation !== null && !a.record.evaluations.some((e) => e.label === 'before')) {
    progress(entryNow(), 'validating', {}, true);
    const ev = await validate(a, (await engine.state()).params, 'before', 0);
    if (ev !== null) {
      await putRecord(a, { evaluations: [...a.record.evaluations, ev] });
      progress(entryNow(), 'validating', { evaluation: ev }, true);
    }
  } else progress(entryNow(), 'starting', {}, true);

  while (engine.step < r.steps && !a.stopping) {
    if (a.paused) {
      await putRecord(a, { status: 'paused' });
      progress(entryNow(), 'paused', {}, true);
      await new Promise<void>((res) => (a.wake = res));
      a.wake = null;
      if (a.stopping) break;
      await putRecord(a, { status: 'running' });
    }
    const t0 = performance.now();
    const s = await engine.trainStep();
    const ms = performance.now() - t0;
    emaStep = emaStep === null ? ms : 0.9 * emaStep + 0.1 * ms;
    const entry: TrainLogEntry = { step: engine.step, loss: s.loss, lr: s.lr, samplesPerSec: (s.samples * 1000) / Math.max(ms, 1e-3) };
    a.history.push(entry);
    if (!Number.isFinite(s.loss)) throw new WebstrError(`training diverged at step ${engine.step}: loss ${s.loss} (lower the learning rate, or set a clip norm)`);
    const last = engine.step >= r.steps;
    let isBest = false;
    let state: Awaited<ReturnType<TrainEngine['state']>> | undefined;
    if (r.validation !== null && ((r.evalEvery > 0 && engine.step % r.evalEvery === 0) || last)) {
      progress(entry, 'validating', {}, true);
      state = await engine.state();
      const ev = await validate(a, state.params, last ? 'after' : 'step', engine.step);
      if (ev !== null) {
        entry.val = { accuracy: ev.accuracy, ned: ev.ned };
        if (a.best === null || ev.accuracy > a.best.accuracy) {
          a.best = { step: engine.step, accuracy: ev.accuracy };
          isBest = true;
        }
        await putRecord(a, { evaluations: [...a.record.evaluations, ev] });
        progress(entry, 'validating', { evaluation: ev }, true);
      }
    }
    if (engine.step % r.checkpointEvery === 0 || last || isBest) {
      progress(entry, 'checkpointing', {}, true);
      await checkpoint(a, engine, isBest, state);
      progress(entry, 'training', { checkpointed: engine.step }, true);
    } else progress(entry, 'training');
  }
  if (a.stopping && engine.step < r.steps) {
    // Stop keeps what was trained: a checkpoint at the current step, status 'stopped'.
    await checkpoint(a, engine, false);
    await putRecord(a, { status: 'stopped' });
    progress(entryNow(), 'done', { checkpointed: engine.step, status: 'stopped' }, true);
    return;
  }
  // Done: the 'after' evaluation ran with the last validation (when there is a validation set).
  await putRecord(a, { status: 'done' });
  progress(entryNow(), 'done', { status: 'done' }, true);
}

function launch(a: Active, resumedFrom: number | null): void {
  a.loop = withLock(async () => {
    try {
      a.engine = await createEngine({
        runId: a.runId,
        recipe: a.recipe,
        config: a.config,
        charset: a.charset,
        params: a.baseParams,
        resume: a.resumeFrom,
        openDataset: async (id) => (await dataStore()).open(id, { cacheShards: 2 }),
      });
      a.baseParams = null;
      a.resumeFrom = null;
      await trainLoop(a, resumedFrom);
    } catch (err) {
      const e = errorInfo(err);
      await putRecord(a, { status: 'failed', error: e }).catch(() => undefined);
      emit(a, { ...(a.history.at(-1) ?? { step: a.engine?.step ?? 0, loss: NaN, lr: 0, samplesPerSec: 0 }), phase: 'done', etaSec: null, error: e, status: 'failed' });
    } finally {
      a.engine?.dispose();
      a.engine = null;
      if (active === a) active = undefined;
    }
  }).catch((err: unknown) => {
    const e = errorInfo(err);
    void putRecord(a, { status: 'failed', error: e }).catch(() => undefined);
    emit(a, { step: 0, loss: NaN, lr: 0, samplesPerSec: 0, phase: 'done', etaSec: null, error: e, status: 'failed' });
    if (active === a) active = undefined;
  });
}


async function startActive(rec: RunRecord, recipe: TrainRecipe, config: ModelConfig, charset: Charset, base: HostTensors | null, resume: Checkpoint | null, listener: Listener | null, fresh: boolean): Promise<Active> {
  const a: Active = {
    runId: rec.runId,
    record: rec,
    recipe,
    config,
    charset,
    validationName: rec.validationName,
    engine: null,
    history: resume?.history.filter((h) => h.step <= resume.step) ?? [],
    best: resume?.best ?? null,
    paused: rec.status === 'paused',
    stopping: false,
    wake: null,
    listener,
    emitted: 0,
    loop: null,
    baseParams: base,
    resumeFrom: resume,
    heldOut: null,
  };
  a.emitted = a.history.length;
  active = a;
  await putRecord(a, { status: a.paused ? 'paused' : 'running' });
  launch(a, fresh ? null : (resume?.step ?? 0));
  return a;
}

function idle(): void {
  if (active !== undefined) throw new TrainerBusyError(`run ${active.runId} is training in this worker; pause or stop it first`);
}

async function storedRun(runId: string): Promise<RunRecord> {
  const rec = await (await ckStore()).getRun(runId);
  if (rec === null) throw new RunNotFoundError(`no run '${runId}' in this browser`);
  return rec;
}

function metaFor(rec: RunRecord, config: ModelConfig, charset: Charset, step: number, preset: string): WebstrMetadata {
  return {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    preset,
    config,
    charset,
    provenance: {
      source: `${rec.base}, trained in the tab (run ${rec.runId}, step ${step})`,
      sha256: '',
      importer: 'webstr trainer worker',
      importedAt: new Date().toISOString(),
      notes: JSON.stringify({ recipe: rec.recipe, evaluations: rec.evaluations }),
    },
  };
}

async function runWeights(runId: string, which: 'latest' | 'best'): Promise<{ rec: RunRecord; ck: Checkpoint }> {
  const rec = await storedRun(runId);
  const ck = await (await ckStore()).load(runId, which);
  if (ck === null) throw new RunNotFoundError(`run '${runId}' has no ${which} checkpoint yet`);
  return { rec, ck };
}

const api = {
  ...runtimeApi,

  /** Imports a model (an .onnx as `preset`, or model.json + weights.bin) into the tf.io model list. */
  importModel(files: File[], preset: string, name?: string): Promise<StoredModel> {
    return importStoredModel(files, preset, name);
  },

  listModels(): Promise<StoredModel[]> {
    return listStoredModels();
  },

  async listDatasets(): Promise<{ id: string; name: string; samples: number }[]> {
    return (await (await dataStore()).list()).map((d) => ({ id: d.id, name: d.manifest.name, samples: d.manifest.sampleCount }));
  },

  /** Starts a run; events (throttled progress, evaluations, checkpoints, the end) go to `onEvent`. */
  async start(req: StartRequest, onEvent?: Listener): Promise<RunView> {
    idle();
    registerAllKernels();
    const b = await baseWeights(req.base);
    const recipe: TrainRecipe = { ...req.recipe, preset: b.preset, init: b.init };
    checkRecipe(recipe);
    const ds = await dataStore();
    for (const id of [...recipe.datasets, ...(recipe.validation === null || recipe.validation.dataset === SYNTH_VALIDATION ? [] : [recipe.validation.dataset])]) await ds.get(id);
    const now = new Date().toISOString();
    const runId = `run-${now.replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
    const rec: RunRecord = { runId, status: 'running', base: b.label, model: { config: b.config, charset: b.charset }, createdAt: now, updatedAt: now, evaluations: [], exported: [], recipe, validationName: req.validationName ?? recipe.validation?.dataset ?? '' };
    const a = await startActive(rec, recipe, b.config, b.charset, b.params, null, onEvent ?? null, true);
    return view(a.record, null, recipe);
  },

  /** The newest run left running or paused (a reload ended its worker), or null. */
  async unfinished(): Promise<RunView | null> {
    for (const rec of (await (await ckStore()).listRuns())) {
      if (rec.status !== 'running' && rec.status !== 'paused') continue;
      if (active?.runId === rec.runId) continue;
      const v = await runView(rec);
      if (v !== null && v.step < v.steps) return v;
    }
    return null;
  },

  /** Continues a run from its latest checkpoint (or from the start when it never wrote one). */
  async resumeRun(runId: string, onEvent?: Listener): Promise<AttachedRun> {
    idle();
    registerAllKernels();
    const rec = await storedRun(runId);
    const recipe = rec.recipe;
    const ck = await (await ckStore()).load(runId, 'latest');
    const config = rec.model.config as ModelConfig;
    const charset = rec.model.charset as Charset;
    let base: HostTensors | null = null;
    if (ck === null && recipe.init !== null) base = (await baseWeights({ kind: 'stored', key: recipe.init })).params;
    if (rec.status === 'stopped' || rec.status === 'failed') rec.status = 'running';
    const { error: _error, ...clean } = rec;
    const a = await startActive(clean, recipe, config, charset, base, ck, onEvent ?? null, false);
    return { view: view(a.record, ck, recipe), history: a.history };
  },

  /** Re-binds the event callback of the run training in this worker (a second page). */
  attach(onEvent: Listener): AttachedRun | null {
    if (active === undefined) return null;
    active.listener = onEvent;
    active.emitted = active.history.length;
    return { view: view(active.record, { step: active.engine?.step ?? 0, best: active.best, savedAt: '' }, active.recipe), history: active.history };
  },

  pause(): boolean {
    if (active === undefined || active.paused) return false;
    active.paused = true;
    return true;
  },

  resume(): boolean {
    if (active?.paused !== true) return false;
    active.paused = false;
    active.wake?.();
    return true;
  },

  /** Stops after the current step; what was trained is kept in a checkpoint. Resolves when stopped. */
  async stop(): Promise<boolean> {
    const a = active;
    if (a === undefined) return false;
    a.stopping = true;
    a.paused = false;
    a.wake?.();
    await a.loop;
    return true;
  },

  async listRuns(): Promise<RunView[]> {
    const out: RunView[] = [];
    for (const rec of (await (await ckStore()).listRuns())) {
      const v = await runView(rec);
      if (v !== null) out.push(active?.runId === v.runId ? { ...v, status: active.record.status } : v);
    }
    return out;
  },

  async deleteRun(runId: string): Promise<void> {
    if (active?.runId === runId) throw new TrainerBusyError('stop the run before deleting it');
    await (await ckStore()).delete(runId);
  },

  /** Saves the run's weights (latest or best checkpoint) into the tf.io IndexedDB model list. */
  async exportRun(runId: string, which: 'latest' | 'best' = 'latest', name?: string): Promise<ExportedModel> {
    const { rec, ck } = await runWeights(runId, which);
    const config = rec.model.config as ModelConfig;
    const charset = rec.model.charset as Charset;
    const fileName = (name ?? `${rec.base.replace(/ from scratch$/, '')}-ft-${ck.step}`).replace(/[/\\]/g, '_');
    const key = `${IDB}${storedModelKey(ck.recipe.preset, fileName)}`;
    const params = toParams(ck.params);
    try {
      await saveWeights(key, params, metaFor(rec, config, charset, ck.step, ck.recipe.preset));
    } finally {
      tf.dispose([...params.values()]);
    }
    const s = await ckStore();
    const fresh = (await s.getRun(runId))!;
    await s.putRun({ ...fresh, exported: [...new Set([...fresh.exported, key])] });
    return { key, name: storedModelName(key), preset: ck.recipe.preset };
  },

  /** model.json + weights.bin of the run's weights (the project's format), for a download. */
  async downloadRun(runId: string, which: 'latest' | 'best' = 'latest'): Promise<ModelDownload> {
    const { rec, ck } = await runWeights(runId, which);
    const params = toParams(ck.params);
    try {
      const art = await toArtifacts(params, metaFor(rec, rec.model.config as ModelConfig, rec.model.charset as Charset, ck.step, ck.recipe.preset));
      const weights = art.weightData as ArrayBuffer;
      const name = `${rec.base.replace(/ from scratch$/, '')}-ft-${ck.step}`.replace(/[^\w.-]+/g, '_');
      const out: ModelDownload = { name, modelJson: JSON.stringify(modelJson(art, `${name}.weights.bin`), null, 1), weights };
      return Comlink.transfer(out, [weights]);
    } finally {
      tf.dispose([...params.values()]);
    }
  },
};

export type TrainerApi = typeof api;
Comlink.expose(api);
