/**
 * The demo page: images in (drop files or folders, paste, pick, samples) → the recognizer worker → one
 * card per image; a model picker over the shipped and stored models with "import a model"; the backend
 * and why. The parts are mounted from src/ui/demo_*.ts and wired here.
 * State for tests: body[data-runtime], body[data-model] (loading|ready|none|error), body[data-busy],
 * window.webstrDemo.
 */
import '../style.css';
import '../demo.css';
import type { CapabilityReport } from '../../runtime/backend.ts';
import { errorInfo } from '../../runtime/errors.ts';
import type { RecognizerApi } from '../../../workers/recognizer.ts';
import { mountAllowControl } from '../demo_allow.ts';
import { mountBackendPanel } from '../demo_backend.ts';
import { mountImportForm } from '../demo_import.ts';
import { mountImageInput } from '../demo_input.ts';
import { mountModelPicker } from '../demo_models.ts';
import type { DemoResult } from '../demo_results.ts';
import { mountResults } from '../demo_results_panel.ts';
import { requestedBackend } from '../runtime_client.ts';
import { storedSomething } from '../storage_panel.ts';
import { WorkerClient } from '../worker_client.ts';
import { byId, startPageExtras } from './common.ts';

declare global {
  interface Window {
    webstrDemo?: { readonly results: DemoResult[]; readonly queued: number; readonly done: number; readonly model: string | null; readonly report: CapabilityReport | null };
  }
}

startPageExtras();
// Calls reject with WorkerCrashedError when the worker dies (the cards in flight say so); it is then
// restarted and the model loaded again.
const recognizer = new WorkerClient<RecognizerApi>('recognizer', (name) => new Worker(new URL('../../../workers/recognizer.ts', import.meta.url), { type: 'module', name }));
const api = recognizer.api;
const backend = requestedBackend();
const main = byId('app');

const runtime = mountBackendPanel(byId('runtime'), byId('backend-control'), backend);
const allow = mountAllowControl(main, {
  apply: async (spec) => {
    if (picker.state === 'ready') await api.setAllowed(spec);
  },
});
const importForm = mountImportForm(byId<HTMLDetailsElement>('import-box'), {
  api,
  onImported: async (stored) => {
    void storedSomething();
    await picker.show(stored.key);
  },
});
const picker = mountModelPicker(main, {
  api,
  backend,
  allow: () => allow.spec(),
  onNotice: (message) => runtime.notice(message),
  onLoaded: (info) => runtime.show(info.capabilities),
  onNone: () => importForm.open(),
});
const results = mountResults(main, {
  ready: () => picker.ready(),
  recognize: (files, rectified) => api.recognizeBatch(files, rectified ? { rectified: true } : undefined),
  rectified: () => picker.rectified,
});
// Model files dropped with the images are imported (with the chosen preset), not recognised.
mountImageInput(main, {
  onImages: (files) => results.enqueue(files),
  onModelFile: (file) => {
    importForm.open();
    void importForm.importFile(file);
  },
  onError: (err) => results.inputError(err),
});

recognizer.onCrash((err) => {
  recognizer.restart();
  runtime.notice(`${err.name}: ${err.message}. A new recognizer worker was started.`);
  void picker.reload();
});

window.webstrDemo = {
  get results() {
    return results.queue.results;
  },
  get queued() {
    return results.queue.queued;
  },
  get done() {
    return results.queue.done;
  },
  get model() {
    return picker.loaded;
  },
  get report() {
    return runtime.report;
  },
};

async function start(): Promise<void> {
  try {
    runtime.show(await api.init(backend));
    document.body.dataset.runtime = 'ready';
  } catch (err) {
    runtime.fail(errorInfo(err));
    document.body.dataset.runtime = 'error';
  }
  // `?model=<shipped name | model.json URL>[&sha256=…]` picks the model for this visit (a link to share).
  const params = new URLSearchParams(location.search);
  await picker.start(params.get('model'), params.get('sha256'));
}

void start();
