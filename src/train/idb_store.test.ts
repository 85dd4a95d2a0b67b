import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { CheckpointCorruptError, CheckpointQuotaError, CheckpointWriteError, IdbCheckpointStore, type RunRecord } from './idb_store.ts';
import type { Checkpoint, TrainRecipe } from './types.ts';

let n = 0;
const fresh = () => IdbCheckpointStore.open(`webstr-train-test-${n++}`);

const recipe: TrainRecipe = {
  preset: 'crnn-mv3-en',
  init: 'indexeddb://webstr/crnn-mv3-en/base',
  datasets: ['ds1'],
  syntheticRatio: 0.25,
  validation: { dataset: 'val', limit: 100 },
  steps: 50,
  batchSize: 8,
  optimizer: { kind: 'adam', lr: 1e-3 },
  schedule: { kind: 'cosine', warmup: 5 },
  batchNorm: 'frozen',
  augment: true,
  evalEvery: 10,
  checkpointEvery: 5,
  seed: 7,
};

function checkpoint(runId: string, step: number, fill = step): Checkpoint {
  return {
    runId,
    recipe,
    step,
    params: {
      'conv.w': { shape: [2, 3], data: new Float32Array(6).fill(fill) },
      'fc.b': { shape: [4], data: Float32Array.from([0.1, -0.2, 1e-30, fill]) },
    },
    optimizer: {
      kind: 'adam',
      step,
      params: { 'conv.w': { step, slots: { m: { shape: [2, 3], data: [0.1, 0.2, 0.3, 0.4, 0.5, 1 / 3].map(Math.fround) }, v: { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] } } } },
    },
    sources: { dataset: { cursor: step * 8 }, synth: { seed: 7, drawn: step } },
    rng: 12345 + step,
    best: step >= 10 ? { step: 10, accuracy: 42.5 } : null,
    history: [{ step, loss: 1 / (step + 1), lr: 1e-3, samplesPerSec: 10 }],
    savedAt: new Date(Date.UTC(2026, 10, 21, 0, 0, step)).toISOString(),
  };
}

/** Replaces IDBObjectStore.prototype.put for the test (fake-indexeddb's class is the global). */
function patchPut(wrap: (orig: IDBObjectStore['put'], store: IDBObjectStore, args: Parameters<IDBObjectStore['put']>) => IDBRequest<IDBValidKey>): () => void {
  const proto = globalThis.IDBObjectStore.prototype;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with .apply(store, …)
  const orig = proto.put;
  proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    return wrap(orig, this, args);
  };
  return () => {
    proto.put = orig;
  };
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('IdbCheckpointStore (fake-indexeddb)', () => {
  it('saves and loads latest and best exactly, lists one summary per run, deletes a run', async () => {
    const s = await fresh();
    expect(await s.load('r1', 'latest')).toBeNull();
    expect(await s.list()).toEqual([]);
    await s.save(checkpoint('r1', 5), 'latest');
    await s.save(checkpoint('r1', 10), 'latest');
    await s.save(checkpoint('r1', 10), 'best');
    await s.save(checkpoint('r2', 3), 'latest');
    const latest = await s.load('r1', 'latest');
    expect(latest).toEqual(checkpoint('r1', 10));
    expect(latest!.params['conv.w']!.data).toBeInstanceOf(Float32Array);
    // Slots (float32 values, as Optimizer.getState gives them) come back as number[], bit-exact.
    expect(latest!.optimizer.params['conv.w']!.slots.m!.data).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 1 / 3].map(Math.fround));
    expect((await s.load('r1', 'best'))!.step).toBe(10);
    expect(await s.list()).toEqual([
      { runId: 'r1', preset: 'crnn-mv3-en', step: 10, steps: 50, best: { step: 10, accuracy: 42.5 }, savedAt: checkpoint('r1', 10).savedAt },
      { runId: 'r2', preset: 'crnn-mv3-en', step: 3, steps: 50, best: null, savedAt: checkpoint('r2', 3).savedAt },
    ]);
    await s.delete('r1');
    expect(await s.load('r1', 'latest')).toBeNull();
    expect(await s.load('r1', 'best')).toBeNull();
    expect((await s.list()).map((r) => r.runId)).toEqual(['r2']);
    s.close();
  });

  it('stores a view into a larger buffer compactly', async () => {
    const s = await fresh();
    const big = new Float32Array(1_000_000);
    big.set([1, 2, 3], 500);
    const ck = checkpoint('v', 1);
    ck.params['conv.w'] = { shape: [3], data: big.subarray(500, 503) };
    await s.save(ck, 'latest');
    const tx = s.db.transaction('tensors');
    const rec = await tx.store.get(['v', 'latest']);
    expect(rec!.params['conv.w']!.data.buffer.byteLength).toBe(12);
    expect(Array.from((await s.load('v', 'latest'))!.params['conv.w']!.data)).toEqual([1, 2, 3]);
    s.close();
  });

  it.each(['tensors', 'checkpoints'])('a QuotaExceededError on the %s write leaves the previous checkpoint readable and nothing partial', async (which) => {
    const s = await fresh();
    await s.save(checkpoint('q', 5), 'latest');
    restore = patchPut((orig, store, args) => {
      if (store.name === which) throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
      return orig.apply(store, args);
    });
    await expect(s.save(checkpoint('q', 10, 99), 'latest')).rejects.toBeInstanceOf(CheckpointQuotaError);
    await expect(s.save(checkpoint('q', 10, 99), 'latest')).rejects.toThrow(/the previous one is kept/);
    restore();
    restore = undefined;
    // Both halves are the old ones: the tensors of step 5, the record of step 5.
    expect(await s.load('q', 'latest')).toEqual(checkpoint('q', 5));
    expect((await s.list()).map((r) => r.step)).toEqual([5]);
    // And the store still works afterwards.
    await s.save(checkpoint('q', 15), 'latest');
    expect((await s.load('q', 'latest'))!.step).toBe(15);
    s.close();
  });

  it('a transaction aborted after both writes were issued (a reload mid-save) keeps the previous checkpoint', async () => {
    const s = await fresh();
    await s.save(checkpoint('a', 5), 'latest');
    restore = patchPut((orig, store, args) => {
      const req = orig.apply(store, args);
      if (store.name === 'checkpoints') store.transaction.abort();
      return req;
    });
    await expect(s.save(checkpoint('a', 10, 99), 'latest')).rejects.toBeInstanceOf(CheckpointWriteError);
    restore();
    restore = undefined;
    expect(await s.load('a', 'latest')).toEqual(checkpoint('a', 5));
    // A first save that aborts leaves nothing at all.
    restore = patchPut((orig, store, args) => {
      const req = orig.apply(store, args);
      store.transaction.abort();
      return req;
    });
    await expect(s.save(checkpoint('b', 1), 'latest')).rejects.toBeInstanceOf(CheckpointWriteError);
    restore();
    restore = undefined;
    expect(await s.load('b', 'latest')).toBeNull();
    expect((await s.list()).map((r) => r.runId)).toEqual(['a']);
    s.close();
  });

  it('refuses hostile input with named errors and writes nothing', async () => {
    const s = await fresh();
    const bad = (patch: (c: Checkpoint) => void): Checkpoint => {
      const c = checkpoint('h', 1);
      patch(c);
      return c;
    };
    await expect(s.save(bad((c) => (c.runId = '')), 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.save(bad((c) => (c.runId = 'x'.repeat(201))), 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.save(bad((c) => (c.step = -1)), 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.save(bad((c) => (c.step = NaN)), 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.save(bad((c) => (c.params['fc.b']!.shape = [5])), 'latest')).rejects.toThrow(/holds 5 values, data has 4/);
    await expect(s.save(bad((c) => (c.params['fc.b']!.shape = [-4])), 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.save(bad((c) => (c.params['fc.b']!.data = [1, 2, 3, 4] as unknown as Float32Array)), 'latest')).rejects.toThrow(/Float32Array/);
    await expect(s.save(bad((c) => (c.optimizer.params['conv.w']!.slots.m!.shape = [7])), 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.save(checkpoint('h', 1), 'newest' as 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.load('h', 'worst' as 'best')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(s.load(42 as unknown as string, 'latest')).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await s.list()).toEqual([]);
    s.close();
  });

  it('a damaged store (record without tensors, lost tensor) is a CheckpointCorruptError, not a wrong resume', async () => {
    const s = await fresh();
    await s.save(checkpoint('c', 5), 'latest');
    await s.db.delete('tensors', ['c', 'latest']);
    await expect(s.load('c', 'latest')).rejects.toBeInstanceOf(CheckpointCorruptError);
    await s.save(checkpoint('d', 5), 'latest');
    const rec = (await s.db.get('tensors', ['d', 'latest']))!;
    delete rec.params['fc.b'];
    await s.db.put('tensors', rec);
    await expect(s.load('d', 'latest')).rejects.toThrow(/lists 2 tensors, 1 are stored/);
    s.close();
  });

  it('keeps run records beside the checkpoints; delete removes both', async () => {
    const s = await fresh();
    const rec: RunRecord = { runId: 'r', status: 'running', recipe, validationName: 'val', base: 'crnn-mv3-en from scratch', model: { config: { name: 'x' }, charset: { name: 'y' } }, createdAt: '2026-11-21T00:00:00.000Z', updatedAt: '2026-11-21T00:00:00.000Z', evaluations: [], exported: [] };
    await s.putRun(rec);
    await s.putRun({ ...rec, runId: 's', createdAt: '2026-11-22T00:00:00.000Z' });
    await s.save(checkpoint('r', 5), 'latest');
    expect(await s.getRun('r')).toEqual(rec);
    expect((await s.listRuns()).map((r) => r.runId)).toEqual(['s', 'r']);
    await s.delete('r');
    expect(await s.getRun('r')).toBeNull();
    expect(await s.load('r', 'latest')).toBeNull();
    await expect(s.putRun({ ...rec, runId: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    s.close();
  });
});
