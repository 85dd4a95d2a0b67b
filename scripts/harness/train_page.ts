/**
 * Test/perf harness page for training throughput (built by `npm run perf -- train` through
 * scripts/lib/harness.ts, not a product page): starts scripts/harness/train_worker.ts and exposes its
 * calls on `window.webstrTrain` for Playwright. The measurement runs in the worker, as training does in
 * the product (workers/trainer.ts).
 */
import type { TrainWorkerApi } from './train_worker.ts';
import { WorkerClient } from '../../src/ui/worker_client.ts';

const api = new WorkerClient<TrainWorkerApi>('train-perf', (name) => new Worker(new URL('./train_worker.ts', import.meta.url), { type: 'module', name })).api;

const harness = {
  init: (request: string) => api.init(request),
  measure: (preset: string, batch: number, steps: number) => api.measure(preset, batch, steps),
  memory: () => api.memory(),
};

(window as unknown as { webstrTrain: typeof harness }).webstrTrain = harness;
document.body.dataset.harness = 'ready';
