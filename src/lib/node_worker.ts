/**
 * A worker thread of the Node recognizer pool (node_pool.ts): one in-process recognizer (node.ts's
 * `createRecognizer` without `workers`), fed batches of already-read images by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { errorInfo } from '../runtime/errors.ts';
import { createRecognizer, type Recognizer } from './node.ts';
import type { PoolReply, PoolRequest } from './node_pool_protocol.ts';

const port = parentPort;
if (port === null) throw new Error('node_worker.ts runs as a worker thread');
let recognizer: Recognizer | null = null;
let crashNext = false;

const reply = (r: PoolReply): void => port.postMessage(r);

async function handle(msg: PoolRequest): Promise<PoolReply> {
  switch (msg.type) {
    case 'create': {
      const { resolved, ...o } = msg.options;
      recognizer = await createRecognizer({
        ...o,
        backend: o.backend as 'auto',
        ...(resolved !== undefined ? { resolveModel: () => resolved } : {}),
        onNotice: (message) => reply({ type: 'notice', message }),
      });
      return { type: 'created', id: msg.id, info: recognizer.info };
    }
    case 'recognize': {
      if (crashNext) process.exit(70);
      if (recognizer === null) throw new Error('recognize before create');
      return { type: 'result', id: msg.id, outcomes: await recognizer.recognize(msg.inputs) };
    }
    case 'crash-next':
      crashNext = true;
      return { type: 'ack', id: msg.id };
  }
}

port.on('message', (msg: PoolRequest) => {
  handle(msg).then(reply, (err: unknown) => reply({ type: 'error', id: msg.id, error: errorInfo(err) }));
});
