/** The fine-tuning page: runtime report (of the trainer worker), the dataset panel, base-model import, the recipe form and the run panel. */
import type { TrainerApi } from '../../../workers/trainer.ts';
import { PRESETS } from '../../models/presets.ts';
import { mountDatasetsPanel } from '../datasets_panel.ts';
import { startIngestWorker } from '../ingest_client.ts';
import { mountRecipeForm } from '../finetune_form.ts';
import { mountRunPanel } from '../finetune_run.ts';
import { describeError, requestedBackend } from '../runtime_client.ts';
import { WorkerClient } from '../worker_client.ts';
import { el } from '../dom.ts';
import { byId, startPageExtras, startRuntime } from './common.ts';
import { storedSomething } from '../storage_panel.ts';

startPageExtras();
// Calls reject with WorkerCrashedError when the trainer worker dies; it is then restarted (runs resume
// from their last checkpoint, kept in IndexedDB).
const trainer = new WorkerClient<TrainerApi>('trainer', (name) => new Worker(new URL('../../../workers/trainer.ts', import.meta.url), { type: 'module', name }));
const api = trainer.api;
const ingest = startIngestWorker().api;
const datasets = mountDatasetsPanel(byId('datasets-panel'), ingest);

// Base models: import an .onnx (as a preset) or model.json + weights.bin into the shared tf.io model list.
const importRoot = byId('model-import');
const modelFile = el('input', { type: 'file', multiple: true, accept: '.onnx,.json,.bin', testid: 'model-file' });
const modelPreset = el('select', { testid: 'model-preset' }, ...Object.keys(PRESETS).map((p) => el('option', { value: p, textContent: p, selected: p === 'crnn-mv3-en' })));
const modelImport = el('button', { type: 'button', textContent: 'Import model', testid: 'model-import' });
const modelStatus = el('div', { role: 'status', testid: 'model-status' });
importRoot.append(el('p', {}, el('label', {}, 'Weights (.onnx, or model.json + weights.bin) ', modelFile), ' ', el('label', {}, 'preset ', modelPreset), ' ', modelImport), modelStatus);

const form = mountRecipeForm(byId('recipe-form'));

const refreshModels = async () => {
  const models = await api.listModels();
  form.setModels(models, Object.keys(PRESETS));
  document.body.dataset.models = String(models.length);
};
const refreshDatasets = async () => form.setDatasets(await ingest.list());
datasets.onChange(() => void refreshDatasets());

modelImport.addEventListener('click', () => {
  const files = [...(modelFile.files ?? [])];
  if (files.length === 0) {
    modelStatus.textContent = 'pick an .onnx file, or model.json and weights.bin';
    return;
  }
  document.body.dataset.modelImport = 'running';
  modelStatus.textContent = `importing ${files.map((f) => f.name).join(', ')} as ${modelPreset.value}…`;
  api.importModel(files, modelPreset.value).then(
    async (m) => {
      modelStatus.textContent = `stored ${m.name} (${m.preset}) in this browser`;
      await refreshModels();
      void storedSomething();
      document.body.dataset.modelImport = 'done';
    },
    (err: unknown) => {
      const e = describeError(err);
      const span = el('span', { className: 'error', testid: 'error', textContent: `${e.name}: ${e.message}` });
      span.dataset.errorName = e.name;
      modelStatus.replaceChildren(span);
      document.body.dataset.modelImport = 'error';
    },
  );
});

void startRuntime(api).then(async (report) => {
  if (report === null) return;
  await Promise.all([refreshModels(), refreshDatasets()]);
  form.applyPreset('finetune-paddle');
  form.restore();
  await mountRunPanel(byId('run-panel'), api, form, refreshModels, (listener) =>
    trainer.onCrash((err) => {
      trainer.restart();
      void api.init(requestedBackend()).catch(() => undefined);
      listener(err);
    }),
  );
  document.body.dataset.page = 'ready';
});
