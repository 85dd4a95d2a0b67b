/**
 * The trainer worker (comlink; protocol in trainer_api.ts): the protocol and the run registry around the
 * one training loop (`Trainer.run`, src/train/trainer.ts). A run starts from a recipe on a base model (a
 * tf.io IndexedDB model as the demo and bench pages store them, or a preset from scratch); its sources,
 * augmentation and validation come from the recipe (src/eval/train_setup.ts) over the IndexedDB
 * datasets and synthetic words drawn here; checkpoints (latest, and best by validation accuracy) go to
 * the `webstr-train` IndexedDB; the weights export into the tf.io model list or as a download. After a
 * reload the page finds the unfinished run (`unfinished()`) and continues it from its last checkpoint
 * (`resumeRun`). One run trains at a time per origin: the run holds a Web Lock while it trains.
 */
import * as Comlink from 'comlink';
import { tf } from '../src/runtime/tf.ts';
import { WebstrError, errorInfo } from '../src/runtime/errors.ts';
import { bitmapToRgba, decodeBrowser } from '../src/image/decode_browser.ts';
import type { RgbaImage } from '../src/image/types.ts';
import { browserInit } from '../src/ops/engine_browser.ts';
import { getPreset } from '../src/models/presets.ts';
import { getCharset, type Charset } from '../src/text/charset.ts';
import type { ModelConfig } from '../src/models/config.ts';
import { toDevice, toHost } from '../src/models/params.ts';
import { saveWeights, toArtifacts, modelJson, WEIGHTS_FORMAT, WEIGHTS_VERSION, type WebstrMetadata } from '../src/weights/format.ts';
import { IDB, sourceOfKey, storedModelKey, storedModelName, type StoredModel } from '../src/recognize/model_source.ts';
import { DataStore } from '../src/data/store.ts';
import { createBrowserSynth } from '../src/synth/browser.ts';
import { checkRecipe, SYNTH_VALIDATION } from '../src/train/recipe.ts';
import { Trainer } from '../src/train/trainer.ts';
import { IdbCheckpointStore, type RunRecord, type RunStatus } from '../src/train/idb_store.ts';
import type { Checkpoint, HostTensors, TrainLogEntry, TrainProgress, TrainRecipe } from '../src/train/types.ts';
import { prepareTraining, type TrainPlatform } from '../src/eval/train_setup.ts';
import { APP_ROOT, runtimeApi, workerEngine } from './runtime_api.ts';
import { importStoredModel, listShippedModels, listStoredModels, loadModelSource } from '../src/recognize/load.ts';
import type { AttachedRun, BaseModel, ExportedModel, ModelDownload, RunView, StartRequest, TrainerEvent } from './trainer_api.ts';

/** A run is already training here or in another tab of this site. */
export class TrainerBusyError extends WebstrError {
  override name = 'TrainerBusyError';
}

/** No run with that id in this browser. */
export class RunNotFoundError extends WebstrError {
  override name = 'RunNotFoundError';
}

const LOCK = 'webstr-trainer-run';
const PROGRESS_MS = 250;

let storePromise: Promise<IdbCheckpointStore> | undefined;
const ckStore = (): Promise<IdbCheckpointStore> => (storePromise ??= IdbCheckpointStore.open());
let dataPromise: Promise<DataStore> | undefined;
const dataStore = (): Promise<DataStore> => (dataPromise ??= DataStore.open());

type Listener = (e: TrainerEvent) => void;

/** How backends start here (also the wasm fallback after a lost GPU). */
const BACKEND_INIT = browserInit();

/** The tab's side of a training run: IndexedDB datasets, OffscreenCanvas synthetic words and PNGs. */
const platform: TrainPlatform = {
  openDataset: async (id) => ({ name: id, dataset: await (await dataStore()).open(id, { cacheShards: 2 }) }),
  synth: (o) => createBrowserSynth(o),
  decode: (b) => decodeBrowser(b),
  async encodePng(img: RgbaImage): Promise<Uint8Array> {
    const canvas = new OffscreenCanvas(img.width, img.height);
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
    return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  },
  recognizer: { bitmapToPixels: bitmapToRgba, init: BACKEND_INIT },
};

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

async function baseWeights(base: BaseModel): Promise<{ config: ModelConfig; charset: Charset; params: HostTensors | null; label: string; preset: string; init: string | null }> {
  if (base.kind === 'preset') {
    const config = getPreset(base.preset);
    return { config, charset: getCharset(config.charset), params: null, label: `${base.preset} from scratch`, preset: base.preset, init: null };
  }
  const source = sourceOfKey(base.key);
  const w = await loadModelSource(source, { appRoot: APP_ROOT });
  try {
    const [label, init] = source.kind === 'shipped' ? [source.name, base.key] : [storedModelName(source.key), source.key];
    return { config: w.meta.config, charset: w.meta.charset, params: await toHost(w.params), label, preset: w.meta.preset, init };
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

const STATUS_OF: Partial<Record<TrainProgress['phase'], RunStatus>> = { paused: 'paused', stopped: 'stopped', done: 'done' };

/** One run of this worker: its record, its trainer once built, the page listening to it. */
class Run {
  private trainer: Trainer | null = null;
  private paused: boolean;
  private stopping = false;
  /** History entries already sent to the listener. */
  private emitted: number;
  private lastEmit = 0;
  /** Sent once, with the first event of a run continued after a reload. */
  private resumedFrom: number | null;
  /** Resolves when the run has ended (done, stopped or failed). */
  done: Promise<void> = Promise.resolve();

  constructor(
    public record: RunRecord,
    readonly config: ModelConfig,
    readonly charset: Charset,
    private readonly initialHistory: TrainLogEntry[],
    private listener: Listener | null,
    resumedFrom: number | null,
  ) {
    this.paused = record.status === 'paused';
    this.emitted = initialHistory.length;
    this.resumedFrom = resumedFrom;
  }

  get runId(): string {
    return this.record.runId;
  }

  get history(): readonly TrainLogEntry[] {
    return this.trainer?.log ?? this.initialHistory;
  }

  get step(): number {
    return this.trainer?.step ?? this.initialHistory.at(-1)?.step ?? 0;
  }

  attach(listener: Listener): AttachedRun {
    this.listener = listener;
    this.emitted = this.history.length;
    return { view: view(this.record, { step: this.step, best: this.trainer?.bestSoFar ?? null, savedAt: '' }, this.record.recipe), history: [...this.history] };
  }

  pause(): boolean {
    if (this.paused) return false;
    this.paused = true;
    this.trainer?.pause();
    return true;
  }

  resume(): boolean {
    if (!this.paused) return false;
    this.paused = false;
    this.trainer?.resume();
    return true;
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.trainer?.stop();
    return this.done;
  }

  private async put(patch: Partial<RunRecord>): Promise<void> {
    this.record = { ...this.record, ...patch, updatedAt: new Date().toISOString() };
    await (await ckStore()).putRun(this.record);
  }

  private emit(p: TrainProgress, extra: Pick<TrainerEvent, 'error'> = {}): void {
    const entries = this.history.slice(this.emitted);
    this.emitted = this.history.length;
    const ev: TrainerEvent = { ...p, runId: this.runId, status: this.record.status, entries, ...(this.resumedFrom !== null ? { resumedFrom: this.resumedFrom } : {}), ...extra };
    this.resumedFrom = null;
    this.lastEmit = performance.now();
    try {
      this.listener?.(ev);
    } catch {
      // the page went away; the run goes on
    }
  }

  /** The trainer's progress: recorded (evaluations, status), then sent to the page (throttled while training). */
  private async progress(p: TrainProgress): Promise<void> {
    if (p.evaluation !== undefined) await this.put({ evaluations: [...this.record.evaluations, p.evaluation] });
    const status = STATUS_OF[p.phase] ?? 'running';
    if (status !== this.record.status) await this.put({ status });
    const quiet = p.phase === 'training' && p.checkpointed === undefined && p.notice === undefined;
    if (!quiet || this.resumedFrom !== null || performance.now() - this.lastEmit >= PROGRESS_MS) this.emit(p);
  }

  private async fail(err: unknown): Promise<void> {
    const e = errorInfo(err);
    await this.put({ status: 'failed', error: e }).catch(() => undefined);
    const last = this.history.at(-1) ?? { step: this.step, loss: NaN, lr: 0, samplesPerSec: 0 };
    this.emit({ ...last, totalSteps: this.record.recipe.steps, etaSec: null, phase: 'done' }, { error: e });
  }

  /** Trains (holding the lock) until done, stopped or failed; `base` = the starting weights of a run without a checkpoint. */
  launch(base: HostTensors | null, onEnd: () => void): void {
    const r = this.record.recipe;
    this.done = withLock(async () => {
      const setup = await prepareTraining(r, { config: this.config, charset: this.charset }, platform, { validationName: this.record.validationName });
      try {
        this.trainer = await Trainer.create({
          recipe: r,
          runId: this.runId,
          config: this.config,
          charset: this.charset,
          init: base,
          source: setup.source,
          store: await ckStore(),
          decode: platform.decode,
          augment: setup.augment,
          ...(setup.validate !== undefined ? { validate: setup.validate } : {}),
          // The base weights are validated once per run, not again after a reload.
          validateAt: (label) => label !== 'before' || !this.record.evaluations.some((e) => e.label === 'before'),
          onProgress: (p) => this.progress(p),
          backendInit: BACKEND_INIT,
        });
        if (this.paused) this.trainer.pause();
        if (this.stopping) this.trainer.stop();
        await this.trainer.run();
      } finally {
        this.trainer?.dispose();
        await setup.close();
      }
    })
      .catch((err: unknown) => this.fail(err))
      .finally(onEnd);
  }
}

/** The run training in this worker, if any (one at a time). */
const registry = {
  active: null as Run | null,
  idle(): void {
    if (this.active !== null) throw new TrainerBusyError(`run ${this.active.runId} is training in this worker; pause or stop it first`);
  },
  /** Registers `run` and starts it; `base` as in `Run.launch`. */
  async launch(run: Run, base: HostTensors | null): Promise<void> {
    this.active = run;
    await (await ckStore()).putRun({ ...run.record, status: run.record.status === 'paused' ? 'paused' : 'running' });
    run.launch(base, () => {
      if (this.active === run) this.active = null;
    });
  },
};

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

  /** The shipped models (keys `shipped:<name>`), then the models stored in this browser. */
  async listModels(): Promise<StoredModel[]> {
    return [...(await listShippedModels(APP_ROOT)), ...(await listStoredModels())];
  },

  async listDatasets(): Promise<{ id: string; name: string; samples: number }[]> {
    return (await (await dataStore()).list()).map((d) => ({ id: d.id, name: d.manifest.name, samples: d.manifest.sampleCount }));
  },

  /** Starts a run; events (throttled progress, evaluations, checkpoints, the end) go to `onEvent`. */
  async start(req: StartRequest, onEvent?: Listener): Promise<RunView> {
    registry.idle();
    await workerEngine();
    const b = await baseWeights(req.base);
    const recipe: TrainRecipe = { ...req.recipe, preset: b.preset, init: b.init };
    checkRecipe(recipe);
    const ds = await dataStore();
    for (const id of [...recipe.datasets, ...(recipe.validation === null || recipe.validation.dataset === SYNTH_VALIDATION ? [] : [recipe.validation.dataset])]) await ds.get(id);
    const now = new Date().toISOString();
    const runId = `run-${now.replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
    const rec: RunRecord = { runId, status: 'running', base: b.label, model: { config: b.config, charset: b.charset }, createdAt: now, updatedAt: now, evaluations: [], exported: [], recipe, validationName: req.validationName ?? recipe.validation?.dataset ?? '' };
    const run = new Run(rec, b.config, b.charset, [], onEvent ?? null, null);
    await registry.launch(run, b.params);
    return view(run.record, null, recipe);
  },

  /** The newest run left running or paused (a reload ended its worker), or null. */
  async unfinished(): Promise<RunView | null> {
    for (const rec of (await (await ckStore()).listRuns())) {
      if (rec.status !== 'running' && rec.status !== 'paused') continue;
      if (registry.active?.runId === rec.runId) continue;
      const v = await runView(rec);
      if (v !== null && v.step < v.steps) return v;
    }
    return null;
  },

  /** Continues a run from its latest checkpoint (or from the start when it never wrote one). */
  async resumeRun(runId: string, onEvent?: Listener): Promise<AttachedRun> {
    registry.idle();
    await workerEngine();
    const rec = await storedRun(runId);
    const recipe = rec.recipe;
    const ck = await (await ckStore()).load(runId, 'latest');
    let base: HostTensors | null = null;
    if (ck === null && recipe.init !== null) base = (await baseWeights({ kind: 'stored', key: recipe.init })).params;
    const { error: _error, ...clean } = rec;
    const status: RunStatus = rec.status === 'paused' ? 'paused' : 'running';
    const run = new Run({ ...clean, status }, rec.model.config as ModelConfig, rec.model.charset as Charset, ck?.history.filter((h) => h.step <= ck.step) ?? [], onEvent ?? null, ck?.step ?? 0);
    await registry.launch(run, base);
    return { view: view(run.record, ck, recipe), history: [...run.history] };
  },

  /** Re-binds the event callback of the run training in this worker (a second page). */
  attach(onEvent: Listener): AttachedRun | null {
    return registry.active?.attach(onEvent) ?? null;
  },

  pause(): boolean {
    return registry.active?.pause() ?? false;
  },

  resume(): boolean {
    return registry.active?.resume() ?? false;
  },

  /** Stops after the current step; what was trained is kept in a checkpoint. Resolves when stopped. */
  async stop(): Promise<boolean> {
    const run = registry.active;
    if (run === null) return false;
    await run.stop();
    return true;
  },

  async listRuns(): Promise<RunView[]> {
    const out: RunView[] = [];
    for (const rec of (await (await ckStore()).listRuns())) {
      const v = await runView(rec);
      const active = registry.active;
      if (v !== null) out.push(active?.runId === v.runId ? { ...v, status: active.record.status } : v);
    }
    return out;
  },

  async deleteRun(runId: string): Promise<void> {
    if (registry.active?.runId === runId) throw new TrainerBusyError('stop the run before deleting it');
    await (await ckStore()).delete(runId);
  },

  /** Saves the run's weights (latest or best checkpoint) into the tf.io IndexedDB model list. */
  async exportRun(runId: string, which: 'latest' | 'best' = 'latest', name?: string): Promise<ExportedModel> {
    const { rec, ck } = await runWeights(runId, which);
    const config = rec.model.config as ModelConfig;
    const charset = rec.model.charset as Charset;
    const fileName = (name ?? `${rec.base.replace(/ from scratch$/, '')}-ft-${ck.step}`).replace(/[/\\]/g, '_');
    const key = `${IDB}${storedModelKey(ck.recipe.preset, fileName)}`;
    const params = toDevice(ck.params);
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
    const params = toDevice(ck.params);
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
