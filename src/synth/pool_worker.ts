/**
 * A worker thread of the Node synth pool (node_pool.ts): builds the same generator as the main thread
 * from the same options and renders the parameters it is sent (planning stays on the main thread, so
 * the stream does not depend on the number of workers), returning PNG bytes or raw RGBA.
 */
import { parentPort } from 'node:worker_threads';
import { createNodeSynth } from './node.ts';
import { encodePng } from './node_shards.ts';
import type { SynthSource } from './source.ts';
import type { PoolReply, PoolRequest } from './node_pool.ts';

const port = parentPort;
if (port === null) throw new Error('pool_worker.ts runs as a worker thread');
let source: SynthSource | null = null;
port.on('message', (msg: PoolRequest) => {
  try {
    if (msg.type === 'init') {
      source = createNodeSynth(msg.options);
      port.postMessage({ type: 'ready', id: msg.id } satisfies PoolReply);
      return;
    }
    if (source === null) throw new Error('render before init');
    const out = msg.params.map((p) => {
      const s = source!.render(p);
      const data = msg.png ? encodePng(s.image) : new Uint8Array(s.image.data.buffer, s.image.data.byteOffset, s.image.data.byteLength);
      return { label: s.label, width: s.image.width, height: s.image.height, data };
    });
    port.postMessage({ type: 'rendered', id: msg.id, samples: out } satisfies PoolReply, out.map((o) => o.data.buffer as ArrayBuffer));
  } catch (err) {
    const e = err as Error;
    port.postMessage({ type: 'error', id: msg.id, name: e.name, message: e.message } satisfies PoolReply);
  }
});
