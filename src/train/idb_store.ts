/**
 * Checkpoints in IndexedDB (`idb`), the tab's `CheckpointStore`. Database `webstr-train`, version 1:
 *   checkpoints  [runId, kind] → everything of a checkpoint but its tensors (small: listed, read often)
 *   tensors      [runId, kind] → the parameters and the optimizer's slots (large: read only to resume)
 *   runs         runId → what the trainer worker keeps about a run beside its checkpoints (status,
 *                the base model, evaluations, exports)
 * `save` writes the checkpoint record and its tensors in one readwrite transaction, so a reader sees the
 * previous checkpoint of that kind or the new one, never a mix: a reload (the transaction never
 * commits) or a QuotaExceededError (it aborts) leaves the previous one readable. Nothing but IndexedDB
 * requests is awaited inside a transaction.
 *
 * Optimizer slots travel as `number[]` (OptimizerState) but are float32 tensors; they are stored as
 * Float32Array (exact, 4 bytes an element instead of a serialised double) and given back as number[].
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import type { OptimizerState } from './optim/index.ts';
import type { Checkpoint, CheckpointStore, HostTensors, RunSummary, TrainEvaluation, TrainRecipe } from './types.ts';

export const TRAIN_DB_NAME = 'webstr-train';
export const TRAIN_DB_VERSION = 1;

/** The browser's storage quota ran out while a checkpoint was written; the previous one is intact. */
export class CheckpointQuotaError extends WebstrError {
  override name = 'CheckpointQuotaError';
}

/** A checkpoint could not be written (the transaction aborted); the previous one is intact. */
export class CheckpointWriteError extends WebstrError {
  override name = 'CheckpointWriteError';
}

/** A stored checkpoint record is damaged or from an unknown version. */
export class CheckpointCorruptError extends WebstrError {
  override name = 'CheckpointCorruptError';
}

export type CheckpointKind = 'latest' | 'best';

type CheckpointMeta = Omit<Checkpoint, 'params' | 'optimizer'> & { kind: CheckpointKind; tensorCount: number };

interface StoredSlots {
  kind: string;
  step: number;
  params: Record<string, { step: number; slots: Record<string, { shape: number[]; data: Float32Array }> }>;
}

interface TensorRecord {
  runId: string;
  kind: CheckpointKind;
  params: HostTensors;
  optimizer: StoredSlots;
}

export type { RunStatus } from './types.ts';
import type { RunStatus } from './types.ts';

/** What the trainer worker keeps about a run beside its checkpoints. JSON-safe. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  /** The run's recipe (also in every checkpoint; here so a run that never wrote one can restart). */
  recipe: TrainRecipe;
  /** How the validation set is named in tables. */
  validationName: string;
  /** How the run started: the base model's label (stored model name, or 'preset <name> from scratch'). */
  base: string;
  /** The model's config and charset (as in the weights' metadata), so export needs no base weights. */
  model: { config: unknown; charset: unknown };
  createdAt: string;
  updatedAt: string;
  evaluations: TrainEvaluation[];
  /** tf.io keys the run's weights were exported to. */
  exported: string[];
  error?: { name: string; message: string };
}

export interface WebstrTrainDB extends DBSchema {
  checkpoints: { key: [string, CheckpointKind]; value: CheckpointMeta; indexes: { runId: string } };
  tensors: { key: [string, CheckpointKind]; value: TensorRecord };
  runs: { key: string; value: RunRecord };
}

const KINDS: readonly CheckpointKind[] = ['latest', 'best'];

function checkKind(kind: string): asserts kind is CheckpointKind {
  if (!KINDS.includes(kind as CheckpointKind)) throw new InvalidArgumentError(`checkpoint kind must be 'latest' or 'best', got '${kind}'`);
}

function checkRunId(runId: unknown): asserts runId is string {
  if (typeof runId !== 'string' || runId.length === 0 || runId.length > 200) {
    throw new InvalidArgumentError(`runId must be a non-empty string of at most 200 characters, got ${JSON.stringify(runId)}`);
  }
}

const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function checkShape(where: string, shape: unknown, length: number): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new InvalidArgumentError(`${where}: shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (elements(shape as number[]) !== length) throw new InvalidArgumentError(`${where}: shape [${(shape as number[]).join(', ')}] holds ${elements(shape as number[])} values, data has ${length}`);
}

/** A compact copy when `a` is a view into a larger buffer (structured clone copies the whole buffer). */
function compact(a: Float32Array): Float32Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

function packParams(params: HostTensors): HostTensors {
  const out: HostTensors = {};
  for (const [name, t] of Object.entries(params)) {
    if (!(t.data instanceof Float32Array)) throw new InvalidArgumentError(`checkpoint parameter '${name}': data must be a Float32Array`);
    checkShape(`checkpoint parameter '${name}'`, t.shape, t.data.length);
    out[name] = { shape: [...t.shape], data: compact(t.data) };
  }
  return out;
}

function packOptimizer(state: OptimizerState): StoredSlots {
  if (typeof state !== 'object' || state === null || typeof state.kind !== 'string' || !Number.isInteger(state.step)) {
    throw new InvalidArgumentError('checkpoint optimizer state must be {kind, step, params}');
  }
  const params: StoredSlots['params'] = {};
  for (const [name, p] of Object.entries(state.params)) {
    const slots: StoredSlots['params'][string]['slots'] = {};
    for (const [slot, s] of Object.entries(p.slots)) {
      checkShape(`optimizer slot '${name}.${slot}'`, s.shape, s.data.length);
      slots[slot] = { shape: [...s.shape], data: Float32Array.from(s.data) };
    }
    params[name] = { step: p.step, slots };
  }
  return { kind: state.kind, step: state.step, params };
}

function unpackOptimizer(s: StoredSlots): OptimizerState {
  const params: OptimizerState['params'] = {};
  for (const [name, p] of Object.entries(s.params)) {
    const slots: OptimizerState['params'][string]['slots'] = {};
    for (const [slot, v] of Object.entries(p.slots)) slots[slot] = { shape: v.shape, data: Array.from(v.data) };
    params[name] = { step: p.step, slots };
  }
  return { kind: s.kind, step: s.step, params };
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : undefined;
}

function summary(m: CheckpointMeta): RunSummary {
  return { runId: m.runId, preset: m.recipe.preset, step: m.step, steps: m.recipe.steps, best: m.best, savedAt: m.savedAt };
}

export class IdbCheckpointStore implements CheckpointStore {
  private constructor(readonly db: IDBPDatabase<WebstrTrainDB>) {}

  static async open(name = TRAIN_DB_NAME): Promise<IdbCheckpointStore> {
    const db = await openDB<WebstrTrainDB>(name, TRAIN_DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          const ck = db.createObjectStore('checkpoints', { keyPath: ['runId', 'kind'] });
          ck.createIndex('runId', 'runId');
          db.createObjectStore('tensors', { keyPath: ['runId', 'kind'] });
          db.createObjectStore('runs', { keyPath: 'runId' });
        }
      },
      // Another tab upgrading the schema: let it, this connection ends.
      blocking() {
        db.close();
      },
    });
    return new IdbCheckpointStore(db);
  }

  close(): void {
    this.db.close();
  }

  /** Writes `checkpoint` as the run's `kind` checkpoint, atomically (see the module comment). */
  async save(checkpoint: Checkpoint, kind: CheckpointKind): Promise<void> {
    checkKind(kind);
    checkRunId(checkpoint.runId);
    if (!Number.isInteger(checkpoint.step) || checkpoint.step < 0) throw new InvalidArgumentError(`checkpoint step must be a non-negative integer, got ${checkpoint.step}`);
    const { params, optimizer, ...rest } = checkpoint;
    // Validate and pack before the transaction: a transaction must not wait on anything but its requests.
    const tensors: TensorRecord = { runId: checkpoint.runId, kind, params: packParams(params), optimizer: packOptimizer(optimizer) };
    const meta: CheckpointMeta = { ...rest, kind, tensorCount: Object.keys(params).length };
    const tx = this.db.transaction(['checkpoints', 'tensors'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined);
    const writes: Promise<unknown>[] = [];
    const track = (p: Promise<unknown>): void => {
      p.catch(() => undefined); // a request issued before a synchronous throw still rejects on abort
      writes.push(p);
    };
    try {
      track(tx.objectStore('tensors').put(tensors));
      track(tx.objectStore('checkpoints').put(meta));
      await Promise.all([...writes, done]);
    } catch (err) {
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      const why = err instanceof Error ? err.message : String(err);
      if (errorName(err) === 'QuotaExceededError' || errorName(tx.error) === 'QuotaExceededError') {
        throw new CheckpointQuotaError(`the browser's storage quota for this site is full: checkpoint at step ${checkpoint.step} of run ${checkpoint.runId} not written (the previous one is kept): ${why}`);
      }
      throw new CheckpointWriteError(`checkpoint at step ${checkpoint.step} of run ${checkpoint.runId} not written (the previous one is kept): ${errorName(err) ?? 'Error'}: ${why}`);
    }
  }

  async load(runId: string, kind: CheckpointKind): Promise<Checkpoint | null> {
    checkKind(kind);
    checkRunId(runId);
    // One read transaction over both stores: the pair is consistent.
    const tx = this.db.transaction(['checkpoints', 'tensors'], 'readonly');
    const [meta, tensors] = await Promise.all([tx.objectStore('checkpoints').get([runId, kind]), tx.objectStore('tensors').get([runId, kind]), tx.done]);
    if (meta === undefined && tensors === undefined) return null;
    if (meta === undefined || tensors === undefined) throw new CheckpointCorruptError(`run ${runId}: the ${kind} checkpoint has ${meta === undefined ? 'tensors but no record' : 'a record but no tensors'}`);
    if (Object.keys(tensors.params).length !== meta.tensorCount) {
      throw new CheckpointCorruptError(`run ${runId}: the ${kind} checkpoint lists ${meta.tensorCount} tensors, ${Object.keys(tensors.params).length} are stored`);
    }
    for (const [name, t] of Object.entries(tensors.params)) {
      if (!(t.data instanceof Float32Array) || elements(t.shape) !== t.data.length) throw new CheckpointCorruptError(`run ${runId}: tensor '${name}' of the ${kind} checkpoint is damaged`);
    }
    const { kind: _kind, tensorCount: _count, ...rest } = meta;
    return { ...rest, params: tensors.params, optimizer: unpackOptimizer(tensors.optimizer) };
  }

  /** One summary per run (its latest checkpoint, else its best), newest first. */
  async list(): Promise<RunSummary[]> {
    const metas = await this.db.getAll('checkpoints');
    const byRun = new Map<string, CheckpointMeta>();
    for (const m of metas) {
      const seen = byRun.get(m.runId);
      if (seen === undefined || (seen.kind === 'best' && m.kind === 'latest')) byRun.set(m.runId, m);
    }
    return [...byRun.values()].map(summary).sort((a, b) => b.savedAt.localeCompare(a.savedAt) || a.runId.localeCompare(b.runId));
  }

  /** Removes the run's checkpoints (both kinds) and its run record, in one transaction. */
  async delete(runId: string): Promise<void> {
    checkRunId(runId);
    const tx = this.db.transaction(['checkpoints', 'tensors', 'runs'], 'readwrite');
    await Promise.all([...KINDS.flatMap((k) => [tx.objectStore('checkpoints').delete([runId, k]), tx.objectStore('tensors').delete([runId, k])]), tx.objectStore('runs').delete(runId), tx.done]);
  }

  async putRun(rec: RunRecord): Promise<void> {
    checkRunId(rec.runId);
    try {
      await this.db.put('runs', rec);
    } catch (err) {
      if (errorName(err) === 'QuotaExceededError') throw new CheckpointQuotaError(`the browser's storage quota for this site is full: run record of ${rec.runId} not written`);
      throw err;
    }
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    checkRunId(runId);
    return (await this.db.get('runs', runId)) ?? null;
  }

  async listRuns(): Promise<RunRecord[]> {
    return (await this.db.getAll('runs')).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
