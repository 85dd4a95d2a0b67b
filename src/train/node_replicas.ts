/**
 * Data-parallel training replicas on Node worker threads (`webstr train --workers N`): each thread starts
 * its own engine on the run's backend, builds the model from the trainer's parameters and answers one part
 * per step (src/train/replica.ts). A thread that fails or exits fails the step with `TrainWorkerError`;
 * the pool is then broken (every later call fails at once) and the trainer stops at its last good step.
 */
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { HostTensors } from '../models/config.ts';
import { TrainWorkerError } from './errors.ts';
import type { ReplicaPart, ReplicaPool, ReplicaResult, ReplicaSetup } from './replica.ts';

export type ReplicaRequest =
  | { type: 'init'; id: number; backend: string; setup: ReplicaSetup; faultAtCall?: number }
  | { type: 'step'; id: number; part: ReplicaPart }
  | { type: 'reset'; id: number; params: HostTensors };

export type ReplicaReply =
  | { type: 'ready'; id: number; backend: string }
  | { type: 'done'; id: number; result: ReplicaResult }
  | { type: 'reset'; id: number }
  | { type: 'error'; id: number; name: string; message: string };

/** Most worker replicas a pool may start (the trainer's thread is one more). */
export const MAX_REPLICA_WORKERS = 15;

export interface NodeReplicaOptions {
  /** tfjs backend of the workers (the trainer's: 'wasm' or 'cpu'). */
  backend: string;
  /**
   * Tests: worker `i` exits the thread on its `call`-th step request (1-based), as a crash would.
   */
  faultAt?: { worker: number; call: number };
}

class NodeReplicaPool implements ReplicaPool {
  private readonly pending = new Map<number, { resolve: (r: ReplicaReply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private broken: TrainWorkerError | null = null;
  private closed = false;

  constructor(private readonly workers: Worker[]) {
    for (const [i, w] of workers.entries()) {
      w.on('message', (r: ReplicaReply) => {
        const p = this.pending.get(r.id);
        if (p === undefined) return;
        this.pending.delete(r.id);
        if (r.type === 'error') p.reject(new TrainWorkerError(`training replica ${i + 1} failed: ${r.name}: ${r.message}`));
        else p.resolve(r);
      });
      w.on('error', (err) => this.fail(new TrainWorkerError(`training replica ${i + 1} died: ${err.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new TrainWorkerError(`training replica ${i + 1} exited (code ${code}) mid-run`));
      });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  send(i: number, req: ReplicaRequest): Promise<ReplicaReply> {
    if (this.broken !== null) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new TrainWorkerError('the training replicas were closed'));
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.workers[i]!.postMessage(req);
    });
  }

  id(): number {
    return this.nextId++;
  }

  async compute(i: number, part: ReplicaPart): Promise<ReplicaResult> {
    const r = await this.send(i, { type: 'step', id: this.id(), part });
    if (r.type !== 'done') throw new TrainWorkerError(`training replica ${i + 1}: unexpected reply ${r.type}`);
    return r.result;
  }

  async reset(params: HostTensors): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.send(i, { type: 'reset', id: this.id(), params })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.rejectAll(new TrainWorkerError('the training replicas were closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(err: TrainWorkerError): void {
    this.broken ??= err;
    this.rejectAll(err);
  }

  private rejectAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** A factory for `TrainerOptions.replicas`: `workers` worker threads beside the trainer's own. */
export function nodeReplicas(workers: number, o: NodeReplicaOptions): (setup: ReplicaSetup) => Promise<ReplicaPool> {
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_REPLICA_WORKERS) throw new InvalidArgumentError(`replica workers must be an integer in [1, ${MAX_REPLICA_WORKERS}], got ${workers}`);
  return async (setup) => {
    const threads = Array.from({ length: workers }, () => new Worker(new URL('./replica_worker.mjs', import.meta.url), { execArgv: [] }));
    const pool = new NodeReplicaPool(threads);
    try {
      await Promise.all(
        threads.map((_, i) => {
          const fault = o.faultAt?.worker === i ? { faultAtCall: o.faultAt.call } : {};
          return pool.send(i, { type: 'init', id: pool.id(), backend: o.backend, setup, ...fault });
        }),
      );
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  };
}
