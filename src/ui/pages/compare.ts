/**
 * The "Compare models" page: the chosen models (shipped and stored) each in its own recognizer worker,
 * reading the same images side by side (src/ui/compare_view.ts). State for tests: body[data-compare]
 * ('ready' once the model list is shown), body[data-busy], window.webstrCompare (the view's handle).
 */
import '../style.css';
import '../compare.css';
import type { RecognizerApi } from '../../../workers/recognizer.ts';
import { backendSelect } from '../capabilities_view.ts';
import { mountCompare, type CompareHandle } from '../compare_view.ts';
import { SAMPLES, fetchSample } from '../demo_input.ts';
import { requestedBackend } from '../runtime_client.ts';
import { fetchShippedModels } from '../shipped_models.ts';
import { WorkerClient } from '../worker_client.ts';
import { byId, startPageExtras } from './common.ts';

declare global {
  interface Window {
    webstrCompare?: CompareHandle;
  }
}

const backend = requestedBackend();
byId('backend-control').replaceChildren(backendSelect(backend));
const handle = mountCompare(byId('app'), {
  backend,
  listShipped: () => fetchShippedModels(),
  startWorker: (label) => new WorkerClient<RecognizerApi>(label, (name) => new Worker(new URL('../../../workers/recognizer.ts', import.meta.url), { type: 'module', name })),
  samples: SAMPLES,
  fetchSample,
  storage: localStorage,
});
handle.on('models', () => (document.body.dataset.compare = 'ready'));
window.webstrCompare = handle;
startPageExtras();
