/**
 * Datasets and training in a page, through the app's own workers: `importDataset` runs the ingest worker
 * (an LMDB `data.mdb` File into IndexedDB, read in slices), `train` the trainer worker (the fine-tune
 * page's: checkpoints in IndexedDB, the trained weights exported to the model list), and
 * `openStoredDataset` reads an imported dataset for `evaluate` on the page's thread. The page's thread
 * never loads tfjs.
 */
import * as Comlink from 'comlink';
import { InvalidArgumentError, WorkerCrashedError } from '../runtime/errors.ts';
import { DataStore } from '../data/store.ts';
import type { BackendRequest } from '../runtime/backend_names.ts';
import type { EvalDataset } from '../eval/runner.ts';
import type { IngestProgress } from '../data/ingest_progress.ts';
import type { RecipeSettings, RunView, StartRequest, TrainerEvent } from '../../workers/trainer_api.ts';
import type { TrainerApi } from '../../workers/trainer.ts';
import type { IngestApi } from '../../workers/ingest.ts';

export type { IngestProgress, RecipeSettings, RunView, TrainerEvent };

function trainerWorker(): Worker {
  return new Worker(new URL('../../workers/trainer.ts', import.meta.url), { type: 'module', name: 'webstr-trainer' });
}
function ingestWorker(): Worker {
  return new Worker(new URL('../../workers/ingest.ts', import.meta.url), { type: 'module', name: 'webstr-ingest' });
}

/** A dataset kept in this browser's IndexedDB. */
export interface StoredDataset {
  id: string;
  name: string;
  samples: number;
}

export interface ImportDatasetOptions {
  /** How lists name it (default: the file's folder or name). */
  name?: string;
  /** Import only the first `limit` samples. */
  limit?: number;
  onProgress?: (p: IngestProgress) => void;
  /** Aborting stops the import (what was written is kept; importing the same file again continues it). */
  signal?: AbortSignal;
}

/** Imports an LMDB `data.mdb` (a File the user picked or dropped) into IndexedDB, for `train` and `evaluate`. */
export async function importDataset(file: File, options: ImportDatasetOptions = {}): Promise<StoredDataset> {
  options.signal?.throwIfAborted();
  const worker = ingestWorker();
  const api = Comlink.wrap<IngestApi>(worker);
  const onAbort = (): void => void api.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const settings = { ...(options.name !== undefined ? { name: options.name } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) };
    const r = await api.importLmdb(file, settings, options.onProgress === undefined ? undefined : Comlink.proxy(options.onProgress));
    return { id: r.id, name: r.manifest.name, samples: r.manifest.sampleCount };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    api[Comlink.releaseProxy]();
    worker.terminate();
  }
}

/** The datasets imported in this browser (by any page of the app or by `importDataset`). */
export async function listDatasets(): Promise<StoredDataset[]> {
  const store = await DataStore.open();
  return (await store.list()).map((d) => ({ id: d.id, name: d.manifest.name, samples: d.manifest.sampleCount }));
}

/** An imported dataset, for `evaluate`. */
export async function openStoredDataset(id: string): Promise<EvalDataset> {
  const store = await DataStore.open();
  const ds = await store.open(id, { cacheShards: 2 });
  return { name: ds.manifest.name, count: ds.count, samples: () => ds.samples(), sample: (i) => ds.sample(i) };
}

export interface BrowserTrainOptions {
  /** Where to start: a preset trained from scratch, or a model in this browser's model list
   *  (`indexeddb://webstr/<preset>/<name>`, as `createRecognizer` and the pages list them). */
  base: { preset: string } | { model: string };
  /** The recipe (src/train/types.ts `TrainRecipe` without preset and init): datasets are IndexedDB ids. */
  recipe: RecipeSettings;
  onProgress?: (e: TrainerEvent) => void;
  /** Aborting stops the run after the current step, with a checkpoint (resumable on finetune.html). */
  signal?: AbortSignal;
  /** Name of the trained model in the model list (default: the run's id). */
  name?: string;
  /** Export the best validated checkpoint instead of the latest. */
  exportBest?: boolean;
  /** 'auto' (default): WebGPU on a hardware adapter, else wasm. */
  backend?: BackendRequest;
}

export interface BrowserTrainResult {
  run: RunView;
  /** The backend the run trained on. */
  backend: string;
  /** The trained weights in the model list: `createRecognizer({ model })` takes this key. */
  model: string;
}

/** Trains in the trainer worker until the run ends (done, stopped by the signal, or failed). */
export async function train(options: BrowserTrainOptions): Promise<BrowserTrainResult> {
  options.signal?.throwIfAborted();
  const worker = trainerWorker();
  const api = Comlink.wrap<TrainerApi>(worker);
  const onAbort = (): void => void api.stop();
  try {
    let settle: { resolve: (e: TrainerEvent) => void; reject: (e: Error) => void } | undefined;
    const ended = new Promise<TrainerEvent>((resolve, reject) => (settle = { resolve, reject }));
    // A worker that dies (out of memory) ends the wait with a named error instead of hanging.
    worker.addEventListener('error', (ev) => settle?.reject(new WorkerCrashedError('webstr-trainer', ev.message || 'an uncaught error')));
    const listener = (e: TrainerEvent): void => {
      options.onProgress?.(e);
      if (e.status === 'done' || e.status === 'stopped' || e.status === 'failed') settle?.resolve(e);
    };
    const req: StartRequest = { base: 'preset' in options.base ? { kind: 'preset', preset: options.base.preset } : { kind: 'stored', key: options.base.model }, recipe: options.recipe };
    const caps = await api.init(options.backend ?? 'auto');
    const view = await api.start(req, Comlink.proxy(listener));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const last = await ended;
    if (last.status === 'failed') {
      const e = last.error ?? { name: 'WebstrError', message: 'the run failed' };
      throw Object.assign(new Error(`training run ${view.runId}: ${e.message}`), { name: e.name });
    }
    if (last.step === 0) throw new InvalidArgumentError(`training run ${view.runId} stopped before its first step: nothing to export`);
    const exported = await api.exportRun(view.runId, options.exportBest === true ? 'best' : 'latest', options.name);
    const run = (await api.listRuns()).find((r) => r.runId === view.runId) ?? view;
    return { run, backend: caps.backend, model: exported.key };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    api[Comlink.releaseProxy]();
    worker.terminate();
  }
}
