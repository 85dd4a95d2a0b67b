/**
 * A worker thread of data-parallel training in Node (node_replicas.ts): starts the run's backend, builds
 * the replica from the trainer's parameters and computes the parts it is sent (decode, RecAug with the
 * trainer's draws, preprocessing, forward and backward), one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { startEngine } from '../ops/engine_node.ts';
import { decodeNode } from '../image/decode_node.ts';
import { DEFAULT_LIMITS } from '../image/errors.ts';
import { recAugment } from './recipe.ts';
import { ReplicaCore } from './replica.ts';
import type { ReplicaReply, ReplicaRequest } from './node_replicas.ts';

const port = parentPort;
if (port === null) throw new Error('replica_worker.ts runs as a worker thread');
let core: ReplicaCore | null = null;
let faultAtCall: number | undefined;
let calls = 0;
// Messages are handled in order: a step waits for the one before it.
let queue: Promise<void> = Promise.resolve();

async function handle(msg: ReplicaRequest): Promise<void> {
  try {
    if (msg.type === 'init') {
      const engine = await startEngine(msg.backend);
      core = new ReplicaCore(msg.setup, (b) => decodeNode(b, DEFAULT_LIMITS), recAugment);
      faultAtCall = msg.faultAtCall;
      port!.postMessage({ type: 'ready', id: msg.id, backend: engine.report.backend } satisfies ReplicaReply);
      return;
    }
    if (core === null) throw new Error(`${msg.type} before init`);
    if (msg.type === 'reset') {
      core.reset(msg.params);
      port!.postMessage({ type: 'reset', id: msg.id } satisfies ReplicaReply);
      return;
    }
    if (++calls === faultAtCall) process.exit(3); // the tests' crash: in a worker thread this ends the thread only
    const result = await core.compute(msg.part);
    // Hand over the arrays that own their whole buffer (fresh copies); anything else is cloned.
    const arrays = [...Object.values(result.grads).map((g) => g.data), ...result.bnStats.flatMap((s) => [s.batchMean, s.batchVar])];
    const own = arrays.filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer).map((a) => a.buffer as ArrayBuffer);
    port!.postMessage({ type: 'done', id: msg.id, result } satisfies ReplicaReply, [...new Set(own)]);
  } catch (err) {
    const e = err as Error;
    port!.postMessage({ type: 'error', id: msg.id, name: e.name, message: e.message } satisfies ReplicaReply);
  }
}

port.on('message', (msg: ReplicaRequest) => {
  queue = queue.then(() => handle(msg));
});
