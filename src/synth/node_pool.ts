/**
 * Rendering on a pool of worker threads (Node). The main thread plans every sample from the seed, in
 * order, as a single `SynthSource` does; the workers only render the planned parameters (and encode
 * PNGs), so sample k is the same for any number of workers, and a checkpoint's state is the main
 * thread's. `writeSynthShards(…, {pool})` keeps several batches in flight; `PooledSynthSource` is a
 * trainer `SampleSource` that renders the next batch while the current one trains.
 */
import { Worker } from 'node:worker_threads';
import { samplesInOrder, type DtrbDataset, type Sample } from '../data/dtrb.ts';
import type { RgbaImage } from '../image/types.ts';
import { SynthOptionsError, SynthWorkerError } from './errors.ts';
import type { NodeSynthOptions } from './node.ts';
import type { SynthSource } from './source.ts';
import type { RenderParams, SynthSample, SynthSampleSource, SynthSourceState } from './types.ts';

export type PoolRequest =
  | { type: 'init'; id: number; options: Omit<NodeSynthOptions, 'seed'> }
  | { type: 'render'; id: number; params: RenderParams[]; png: boolean };

export interface PooledSample {
  label: string;
  width: number;
  height: number;
  /** PNG bytes, or RGBA pixels. */
  data: Uint8Array;
}

export type PoolReply =
  | { type: 'ready'; id: number }
  | { type: 'rendered'; id: number; samples: PooledSample[] }
  | { type: 'error'; id: number; name: string; message: string };

/** Most worker threads a pool may start. */
export const MAX_WORKERS = 16;

export class SynthPool {
  private readonly pending = new Map<number, { resolve: (r: PoolReply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private turn = 0;
  private closed = false;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (r: PoolReply) => {
        const p = this.pending.get(r.id);
        if (p === undefined) return;
        this.pending.delete(r.id);
        if (r.type === 'error') p.reject(new SynthWorkerError(`a synth worker failed: ${r.name}: ${r.message}`));
        else p.resolve(r);
      });
      w.on('error', (err) => this.failAll(new SynthWorkerError(`a synth worker died: ${err.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new SynthWorkerError(`a synth worker exited (code ${code})`));
      });
    }
  }

  /** Starts `n` workers, each building the generator from `options` (the seed is irrelevant there). */
  static async create(options: NodeSynthOptions, n: number): Promise<SynthPool> {
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new SynthOptionsError(`workers must be an integer in [1, ${MAX_WORKERS}], got ${n}`);
    const { seed: _seed, ...rest } = options;
    const workers = Array.from({ length: n }, () => new Worker(new URL('./pool_worker.mjs', import.meta.url), { execArgv: [] }));
    const pool = new SynthPool(workers);
    try {
      await Promise.all(workers.map((w) => pool.send(w, { type: 'init', id: pool.nextId++, options: rest })));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Renders planned samples on the next worker (round robin); PNG bytes or raw RGBA. */
  async render(params: RenderParams[], png: boolean): Promise<PooledSample[]> {
    if (this.closed) throw new SynthWorkerError('the synth pool is closed');
    const w = this.workers[this.turn++ % this.workers.length]!;
    const r = await this.send(w, { type: 'render', id: this.nextId++, params, png });
    if (r.type !== 'rendered') throw new SynthWorkerError(`unexpected reply ${r.type}`);
    return r.samples;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new SynthWorkerError('the synth pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private send(w: Worker, req: PoolRequest): Promise<PoolReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      w.postMessage(req);
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** The next `count` samples of `source`, rendered and PNG-encoded by `pool`, as a DtrbDataset read in order. */
export function pooledSynthDataset(source: SynthSource, pool: SynthPool, count: number, batch = 32): DtrbDataset {
  if (!Number.isSafeInteger(count) || count < 1) throw new SynthOptionsError(`count must be a positive integer, got ${count}`);
  const ahead = 3 * pool.size;
  const batches = new Map<number, Promise<PooledSample[]>>();
  let planned = 0;
  let done = 0;
  const fill = (upTo: number): void => {
    while (planned < Math.min(count, upTo)) {
      const n = Math.min(batch, count - planned);
      const p = pool.render(source.plan(n), true);
      p.catch(() => undefined); // awaited by `sample`; no unhandled rejection while queued
      batches.set(planned / batch, p);
      planned += n;
    }
  };
  // The shard writer may ask for the next sample before the last one arrived: order is checked on asking.
  const sample = (index: number): Promise<Sample> => {
    if (index !== done + 1 || index > count) return Promise.reject(new SynthOptionsError(`synthetic samples are made in order: asked for ${index} after ${done} of ${count}`));
    done++;
    fill(index + ahead * batch);
    const b = Math.floor((index - 1) / batch);
    const p = batches.get(b)!;
    if ((index - 1) % batch === batch - 1 || index === count) batches.delete(b);
    return p.then((r) => {
      const s = r[(index - 1) % batch]!;
      return { index, label: s.label, image: s.data };
    });
  };
  return { count, sample, samples: (opts) => samplesInOrder({ count, sample }, opts) };
}

/**
 * A trainer `SampleSource` over a pool: `next(n)` returns the batch rendered while the previous one
 * was used, then starts the next. The state is that of the samples handed out (the prefetched batch
 * is planned again after `setState`), so checkpoints resume exactly as with `SynthSource`.
 */
export class PooledSynthSource implements SynthSampleSource {
  private ahead: { n: number; state: SynthSourceState; batch: Promise<SynthSample[]> } | null = null;

  constructor(
    private readonly source: SynthSource,
    private readonly pool: SynthPool,
  ) {}

  private start(n: number): { n: number; state: SynthSourceState; batch: Promise<SynthSample[]> } {
    const state = this.source.getState();
    const params = this.source.plan(n);
    const per = Math.ceil(n / this.pool.size);
    const parts: Promise<PooledSample[]>[] = [];
    for (let i = 0; i < n; i += per) parts.push(this.pool.render(params.slice(i, i + per), false));
    const batch = Promise.all(parts).then((ps) => ps.flat().map((s): SynthSample => ({ label: s.label, image: { width: s.width, height: s.height, data: new Uint8ClampedArray(s.data.buffer, s.data.byteOffset, s.data.byteLength) } satisfies RgbaImage })));
    batch.catch(() => undefined);
    return { n, state, batch };
  }

  async next(n: number): Promise<SynthSample[]> {
    let cur = this.ahead;
    if (cur === null || cur.n !== n) {
      if (cur !== null) this.source.setState(cur.state); // a different size: plan those samples again
      cur = this.start(n);
    }
    this.ahead = this.start(n);
    return cur.batch;
  }

  getState(): SynthSourceState {
    return this.ahead === null ? this.source.getState() : this.ahead.state;
  }

  setState(state: SynthSourceState): void {
    this.source.setState(state);
    this.ahead = null;
  }
}
