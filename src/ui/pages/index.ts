/**
 * The demo page: images in (drop files or folders, paste, pick, samples) → the recognizer worker →
 * one card per image; a model picker over IndexedDB with "import a model"; the backend and why.
 * All recognition runs in the worker, in chunks, so the page stays responsive and shows progress.
 * State for tests: body[data-model] (loading|ready|none|error), body[data-busy], window.webstrDemo.
 */
import '../style.css';
import '../demo.css';
import * as Comlink from 'comlink';
import type { CapabilityReport } from '../../runtime/backend.ts';
import { PRESETS } from '../../models/presets.ts';
import type { RecognizerWorkerApi } from '../../../workers/recognizer_api.ts';
import { backendSelect, renderCapabilities, renderError } from '../capabilities_view.ts';
import { describeError, requestedBackend } from '../runtime_client.ts';
import { byId, startPageExtras } from './common.ts';
import { confidenceColour, outcomeOf, rectifiedLabel, resultCard, toCsv, toJson, toText, type DemoResult } from '../demo_results.ts';
import { modelFileKind, parseStoredModelKey, type StoredModel } from '../../recognize/model_source.ts';
import { fetchShippedModels, shippedKey, shippedName, type ShippedListing } from '../shipped_models.ts';
import { ALLOW_SETS, isAllowSetName, parseAllow } from '../../text/allow.ts';
import { MAX_FILE_BYTES, SAMPLES, droppedImageFiles, fetchSample, pastedFiles } from '../demo_input.ts';
import { fillPresetSelect, presetChoices } from '../preset_choices.ts';
import { WorkerClient } from '../worker_client.ts';
import { storedSomething } from '../storage_panel.ts';

declare global {
  interface Window {
    webstrDemo?: { results: DemoResult[]; queued: number; done: number; model: string | null; report: CapabilityReport | null };
  }
}

/** Images per worker call: small enough for steady progress, large enough to batch equal widths. */
const CHUNK = 16;
const MODEL_PREF = 'webstr.demo.model';
const ALLOW_PREF = 'webstr.demo.allow';
/** Select values of models named by URL (`?model=`). */
const URL_PREFIX = 'url:';

startPageExtras();
// Calls reject with WorkerCrashedError when the worker dies (the cards in flight say so); it is then
// restarted and the model loaded again.
const recognizer = new WorkerClient<RecognizerWorkerApi>('recognizer', (name) => new Worker(new URL('../../../workers/recognizer.ts', import.meta.url), { type: 'module', name }));
const api = recognizer.api;
const backend = requestedBackend();

const state: NonNullable<Window['webstrDemo']> = { results: [], queued: 0, done: 0, model: null, report: null };
window.webstrDemo = state;

const modelSelect = byId<HTMLSelectElement>('model-select');
const modelDelete = byId<HTMLButtonElement>('model-delete');
const modelStatus = byId('model-status');
const importBox = byId<HTMLDetailsElement>('import-box');
const modelFile = byId<HTMLInputElement>('model-file');
const presetSelect = byId<HTMLSelectElement>('preset-select');
const importButton = byId<HTMLButtonElement>('model-import');
const importStatus = byId('import-status');
const resultsList = byId<HTMLOListElement>('results');
const progress = byId<HTMLProgressElement>('progress');
const progressText = byId('progress-text');
const toolbarStatus = byId('toolbar-status');
const exportButtons = ['copy', 'download-json', 'download-csv', 'clear'].map((id) => byId<HTMLButtonElement>(id));

function setStatus(target: HTMLElement, text: string, error?: { name: string; message: string }): void {
  target.replaceChildren();
  target.classList.toggle('error', error !== undefined);
  if (error !== undefined) {
    target.dataset.errorName = error.name;
    const s = document.createElement('strong');
    s.textContent = error.name;
    target.append(s, `: ${error.message}`);
  } else {
    delete target.dataset.errorName;
    target.textContent = text;
  }
}

// ---- backend ---------------------------------------------------------------------------------------

function showBackend(report: CapabilityReport): void {
  state.report = report;
  const target = byId('runtime');
  const details = document.createElement('div');
  renderCapabilities(details, report);
  // The badge and reason stay visible; the rest of the report folds away.
  const [badge, reason, ...rest] = Array.from(details.children);
  const more = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'Capability report';
  more.append(summary, ...rest);
  target.replaceChildren(...[badge, reason].filter((e): e is Element => e !== undefined), more);
}

/** A backend fallback (WebGPU device lost → wasm), said once, beside the backend report. */
function showNotice(message: string): void {
  const p = document.createElement('p');
  p.className = 'notice';
  p.setAttribute('role', 'alert');
  p.dataset.testid = 'notice';
  p.textContent = message;
  byId('runtime').append(p);
}

recognizer.onCrash((err) => {
  recognizer.restart();
  showNotice(`${err.name}: ${err.message}. A new recognizer worker was started.`);
  if (state.model !== null) void loadModel(state.model);
});

// ---- models ----------------------------------------------------------------------------------------

let modelReady: Promise<boolean> = Promise.resolve(false);
/** The loaded model's transform, said as a label ('rectified by TPS'); null without one (CRNN): then the
 *  worker is not asked for the rectified image and cards show none. */
let rectified: string | null = null;

function modelLabel(m: StoredModel): string {
  return `${parseStoredModelKey(m.key)?.fileName ?? m.name} (${m.preset})`;
}

/** Shipped models (models/index.json), fetched once. */
let shipped: ShippedListing[] | null = null;

/** Lists the shipped models, then the stored ones; selects `select`, else the remembered choice, else the
 *  first (most accurate) shipped model. Returns the keys listed. */
async function refreshModels(select?: string): Promise<string[]> {
  shipped ??= await fetchShippedModels();
  const stored = await api.listModels();
  const option = (value: string, text: string): HTMLOptionElement => {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  };
  const groups: HTMLOptGroupElement[] = [];
  if (shipped.length > 0) {
    const g = document.createElement('optgroup');
    g.label = 'Shipped with webstr';
    g.append(...shipped.map((m) => option(shippedKey(m.name), `${m.name} — ${m.title}`)));
    groups.push(g);
  }
  if (stored.length > 0) {
    const g = document.createElement('optgroup');
    g.label = 'In this browser';
    g.append(...stored.map((m) => option(m.key, modelLabel(m))));
    groups.push(g);
  }
  modelSelect.replaceChildren(...groups);
  const keys = [...shipped.map((m) => shippedKey(m.name)), ...stored.map((m) => m.key)];
  const wanted = select ?? localStorage.getItem(MODEL_PREF);
  if (wanted !== null && keys.includes(wanted)) modelSelect.value = wanted;
  else if (keys[0] !== undefined) modelSelect.value = keys[0];
  modelSelect.disabled = keys.length === 0;
  updateDelete();
  return keys;
}

/** Shipped models cannot be deleted. */
function updateDelete(): void {
  modelDelete.disabled = modelSelect.value === '' || shippedName(modelSelect.value) !== null;
}

function loadModel(key: string): Promise<boolean> {
  document.body.dataset.model = 'loading';
  updateDelete();
  const name = shippedName(key);
  const url = key.startsWith(URL_PREFIX) ? key.slice(URL_PREFIX.length) : null;
  setStatus(modelStatus, `Loading ${name ?? url ?? key}…`);
  modelReady = (async () => {
    try {
      const sha256 = new URLSearchParams(location.search).get('sha256') ?? undefined;
      const model =
        name !== null
          ? { kind: 'shipped' as const, name }
          : url !== null
            ? { kind: 'url' as const, url: new URL(url, location.href).href, ...(sha256 !== undefined ? { sha256 } : {}) }
            : { kind: 'indexeddb' as const, key };
      const info = await api.create({ model, backend, allow: allowSpec() }, Comlink.proxy(showNotice));
      showBackend(info.capabilities);
      rectified = rectifiedLabel(info.config.transform);
      state.model = key;
      if (url === null) localStorage.setItem(MODEL_PREF, key);
      setStatus(modelStatus, `Ready: ${info.preset} · charset ${info.charset} · from ${info.provenance.source}${info.provenance.license !== undefined ? ` · ${info.provenance.license}` : ''}`);
      document.body.dataset.model = 'ready';
      return true;
    } catch (err) {
      state.model = null;
      setStatus(modelStatus, '', describeError(err));
      document.body.dataset.model = 'error';
      return false;
    }
  })();
  return modelReady;
}

function noModel(): void {
  document.body.dataset.model = 'none';
  state.model = null;
  setStatus(modelStatus, 'No model yet (this build ships none: run `npm run models`): import a PaddleOCR inference .onnx below (it is kept for later visits).');
  importBox.open = true;
}

/** The file whose fit the preset list shows (a `.pth` lists only what fits it), and that check: an import
 *  clicked while the check of the chosen file still runs waits for it (else it would read the old list). */
let inspected: { file: File; done: Promise<boolean> } | null = null;

/** Offers the presets `file` fits; false (with the reason shown) when there is nothing to import it as. */
function offerPresets(file: File): Promise<boolean> {
  if (inspected?.file !== file) inspected = { file, done: checkPresets(file) };
  return inspected.done;
}

async function checkPresets(file: File): Promise<boolean> {
  if (file.size > MAX_FILE_BYTES) return true; // refused by importModel, unread
  if (modelFileKind(file.name) !== 'pth') {
    fillPresetSelect(presetSelect, presetChoices(null, Object.keys(PRESETS)), 'crnn-mv3-en');
    return true;
  }
  try {
    const fit = await api.inspectModel(file, file.name);
    const choices = presetChoices(fit, Object.keys(PRESETS));
    fillPresetSelect(presetSelect, choices, '');
    if (choices.length === 0) setStatus(importStatus, '', { name: 'CheckpointStructureError', message: fit.mismatch ?? `${file.name}: fits no model webstr builds` });
    else setStatus(importStatus, `${file.name}: ${choices.map((c) => c.label).join(', ')}`);
    return choices.length > 0;
  } catch (err) {
    fillPresetSelect(presetSelect, []);
    setStatus(importStatus, '', describeError(err));
    return false;
  }
}

async function importModel(file: File): Promise<void> {
  if (!(await offerPresets(file))) return;
  const preset = presetSelect.value;
  importButton.disabled = true;
  setStatus(importStatus, `Converting ${file.name} as ${preset === '' ? 'the model it describes' : preset}…`);
  try {
    if (file.size > MAX_FILE_BYTES) throw Object.assign(new Error(`${file.name} is ${(file.size / 1e6).toFixed(0)} MB; model files above ${MAX_FILE_BYTES / 2 ** 20} MiB are refused`), { name: 'ModelFileError' });
    const stored = await api.importModel(file, file.name, preset);
    setStatus(importStatus, `Imported ${modelLabel(stored)}: ${(stored.bytes / 1e6).toFixed(2)} MB of weights kept in this browser.`);
    importStatus.dataset.imported = stored.key;
    void storedSomething();
    await refreshModels(stored.key);
    await loadModel(stored.key);
  } catch (err) {
    setStatus(importStatus, '', describeError(err));
  } finally {
    importButton.disabled = false;
  }
}

fillPresetSelect(presetSelect, presetChoices(null, Object.keys(PRESETS)), 'crnn-mv3-en');
modelFile.addEventListener('change', () => {
  const f = modelFile.files?.[0];
  if (f !== undefined) void offerPresets(f);
});

importButton.addEventListener('click', () => {
  const f = modelFile.files?.[0];
  if (f === undefined) {
    setStatus(importStatus, 'Choose a model file first.');
    modelFile.focus();
    return;
  }
  void importModel(f);
});
modelSelect.addEventListener('change', () => void loadModel(modelSelect.value));
modelDelete.addEventListener('click', () => {
  const key = modelSelect.value;
  if (key === '' || !confirm(`Delete ${key} from this browser?`)) return;
  void (async () => {
    await api.deleteModel(key);
    if (localStorage.getItem(MODEL_PREF) === key) localStorage.removeItem(MODEL_PREF);
    const left = await refreshModels();
    if (left.length > 0) await loadModel(modelSelect.value);
    else noModel();
  })();
});

// ---- allowed characters -----------------------------------------------------------------------------

const allowSelect = byId<HTMLSelectElement>('allow-select');
const allowCustom = byId<HTMLInputElement>('allow-custom');
const allowStatus = byId('allow-status');
const CUSTOM = 'custom';

for (const [name, set] of Object.entries(ALLOW_SETS)) {
  const o = document.createElement('option');
  o.value = name;
  o.textContent = set.label;
  allowSelect.append(o);
}
{
  const o = document.createElement('option');
  o.value = CUSTOM;
  o.textContent = 'Only these characters…';
  allowSelect.append(o);
  const saved = localStorage.getItem(ALLOW_PREF) ?? 'all';
  if (isAllowSetName(saved)) allowSelect.value = saved;
  else {
    allowSelect.value = CUSTOM;
    allowCustom.value = saved.replace(/^chars:/, '');
  }
  allowCustom.hidden = allowSelect.value !== CUSTOM;
}

/** The allowed-character spec chosen (src/text/allow.ts); null: all of the model's characters. */
function allowSpec(): string | null {
  if (allowSelect.value !== CUSTOM) return allowSelect.value === 'all' ? null : allowSelect.value;
  return allowCustom.value === '' ? null : `chars:${allowCustom.value}`;
}

async function applyAllow(): Promise<void> {
  allowCustom.hidden = allowSelect.value !== CUSTOM;
  const spec = allowSpec();
  try {
    parseAllow(spec);
    localStorage.setItem(ALLOW_PREF, spec ?? 'all');
    if (document.body.dataset.model === 'ready') await api.setAllowed(spec);
    setStatus(allowStatus, spec === null ? '' : 'Recognition now outputs only the chosen characters.');
  } catch (err) {
    setStatus(allowStatus, '', describeError(err));
  }
}
allowSelect.addEventListener('change', () => {
  void applyAllow();
  if (allowSelect.value === CUSTOM) allowCustom.focus();
});
allowCustom.addEventListener('change', () => void applyAllow());

// ---- recognition queue -----------------------------------------------------------------------------

const queue: File[] = [];
let running = false;
let nextIndex = 1;
const urls: string[] = [];

function updateProgress(): void {
  const { done, queued } = state;
  progress.max = Math.max(1, queued);
  progress.value = done;
  const failed = state.results.filter((r) => !r.outcome.ok).length;
  const last = state.results.at(-1);
  const lastText = last?.outcome.ok === true ? ` Last: "${last.outcome.text}".` : '';
  progressText.textContent =
    queued === 0 ? 'No images yet.' : done < queued ? `Recognising ${done} of ${queued}…` : `Done: ${queued} image${queued === 1 ? '' : 's'}, ${failed} with errors.${lastText}`;
  document.body.dataset.busy = String(done < queued);
  for (const b of exportButtons) b.disabled = state.results.length === 0;
}

function addResult(r: DemoResult, file: File): void {
  state.results.push(r);
  let url: string | null = null;
  if (r.outcome.ok) {
    url = URL.createObjectURL(file);
    urls.push(url);
  }
  resultsList.append(resultCard(r, url, rectified));
}

function fail(name: string, message: string): DemoResult['outcome'] {
  return { ok: false, error: { name, message } };
}

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  try {
    while (queue.length > 0) {
      const chunk = queue.splice(0, CHUNK);
      const indices = chunk.map(() => nextIndex++);
      const ready = await modelReady;
      let outcomes: DemoResult['outcome'][];
      if (!ready) {
        outcomes = chunk.map(() => fail('NoModelError', 'no model is loaded: import a model (or pick one) above'));
      } else {
        const send = chunk.filter((f) => f.size <= MAX_FILE_BYTES);
        let got: DemoResult['outcome'][] = [];
        try {
          got = (await api.recognizeBatch(send, rectified !== null ? { rectified: true } : undefined)).map(outcomeOf);
        } catch (err) {
          const e = describeError(err);
          got = send.map(() => fail(e.name, e.message));
        }
        let k = 0;
        outcomes = chunk.map((f) =>
          f.size > MAX_FILE_BYTES ? fail('FileTooLargeError', `${(f.size / 2 ** 20).toFixed(0)} MiB; files above ${MAX_FILE_BYTES / 2 ** 20} MiB are refused unread`) : got[k++]!,
        );
      }
      chunk.forEach((f, i) => addResult({ index: indices[i]!, file: f.webkitRelativePath || f.name, bytes: f.size, outcome: outcomes[i]! }, f));
      state.done += chunk.length;
      updateProgress();
    }
  } finally {
    running = false;
  }
}

function enqueue(files: File[]): void {
  if (files.length === 0) return;
  toolbarStatus.textContent = '';
  queue.push(...files);
  state.queued += files.length;
  updateProgress();
  void drain();
}

// ---- inputs ----------------------------------------------------------------------------------------

const drop = byId('drop');
const imageFiles = byId<HTMLInputElement>('image-files');
const imageFolder = byId<HTMLInputElement>('image-folder');
imageFolder.webkitdirectory = true;

function dropTarget(zone: HTMLElement, onFiles: (dt: DataTransfer) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer !== null) onFiles(e.dataTransfer);
  });
}

// Model files dropped with the images are imported (with the chosen preset), not recognised.
dropTarget(drop, (dt) => {
  droppedImageFiles(dt).then(
    (files) => {
      const models = files.filter((f) => modelFileKind(f.name) !== null);
      enqueue(files.filter((f) => modelFileKind(f.name) === null));
      if (models[0] !== undefined) {
        importBox.open = true;
        void importModel(models[0]);
      }
    },
    (err: unknown) => setStatus(progressText, '', describeError(err)),
  );
});
dropTarget(byId('model-drop'), (dt) => {
  const f = dt.files[0];
  if (f !== undefined) void importModel(f);
});
drop.addEventListener('click', () => imageFiles.click());
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    imageFiles.click();
  }
});
imageFiles.addEventListener('change', () => {
  enqueue(Array.from(imageFiles.files ?? []));
  imageFiles.value = '';
});
imageFolder.addEventListener('change', () => {
  enqueue(Array.from(imageFolder.files ?? []));
  imageFolder.value = '';
});
let pasted = 0;
document.addEventListener('paste', (e) => {
  const files = pastedFiles(e, () => ++pasted);
  if (files.length > 0) {
    e.preventDefault();
    enqueue(files);
  }
});
// A drop outside the zones must not navigate away from the page.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

const sampleList = byId('samples');
for (const name of SAMPLES) {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.testid = 'sample';
  b.dataset.sample = name;
  const img = document.createElement('img');
  img.src = `./samples/${name}`;
  img.alt = `Sample: ${name.replace(/^\d+-|\.png$/g, '')}`;
  b.append(img);
  b.addEventListener('click', () => {
    fetchSample(name).then((f) => enqueue([f]), (err: unknown) => setStatus(progressText, '', describeError(err)));
  });
  li.append(b);
  sampleList.append(li);
}

// ---- exports ---------------------------------------------------------------------------------------

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

byId('copy').addEventListener('click', () => {
  navigator.clipboard.writeText(toText(state.results)).then(
    () => (toolbarStatus.textContent = `Copied ${state.results.length} lines.`),
    (err: unknown) => setStatus(toolbarStatus, '', describeError(err)),
  );
});
byId('download-json').addEventListener('click', () => download('webstr-results.json', 'application/json', toJson(state.results)));
byId('download-csv').addEventListener('click', () => download('webstr-results.csv', 'text/csv', toCsv(state.results)));
byId('clear').addEventListener('click', () => {
  if (state.done < state.queued) return;
  resultsList.replaceChildren();
  for (const u of urls.splice(0)) URL.revokeObjectURL(u);
  state.results = [];
  state.queued = state.done = 0;
  nextIndex = 1;
  toolbarStatus.textContent = 'Cleared.';
  updateProgress();
});

// Legend of the confidence colours, beside the results heading.
const legend = document.createElement('p');
legend.className = 'legend';
legend.setAttribute('aria-hidden', 'true');
legend.append('Character confidence:');
for (const p of [0.3, 0.6, 0.8, 0.95, 1]) {
  const s = document.createElement('span');
  s.className = 'char';
  s.textContent = `${Math.round(p * 100)}%`;
  s.style.background = confidenceColour(p);
  legend.append(s);
}
byId('results-title').after(legend);

// ---- start -----------------------------------------------------------------------------------------

async function start(): Promise<void> {
  byId('backend-control').replaceChildren(backendSelect(backend));
  let signalReady: (v: boolean) => void = () => undefined;
  // Images dropped while the worker starts wait for the first model instead of failing.
  modelReady = new Promise<boolean>((r) => (signalReady = r));
  try {
    showBackend(await api.init(backend));
    document.body.dataset.runtime = 'ready';
  } catch (err) {
    renderError(byId('runtime'), describeError(err));
    document.body.dataset.runtime = 'error';
  }
  try {
    const models = await refreshModels();
    // `?model=<shipped name | model.json URL>[&sha256=…]` picks the model for this visit (a link to share).
    const asked = new URLSearchParams(location.search).get('model');
    if (asked !== null && asked !== '') {
      const key = models.includes(shippedKey(asked)) ? shippedKey(asked) : `${URL_PREFIX}${asked}`;
      if (!models.includes(key)) {
        const o = document.createElement('option');
        o.value = key;
        o.textContent = `from ${asked}`;
        modelSelect.prepend(o);
      }
      modelSelect.value = key;
      modelSelect.disabled = false;
      signalReady(await loadModel(key));
    } else if (models.length === 0) {
      noModel();
      signalReady(false);
    } else signalReady(await loadModel(modelSelect.value));
  } catch (err) {
    setStatus(modelStatus, '', describeError(err));
    document.body.dataset.model = 'error';
    signalReady(false);
  }
  updateProgress();
}

void start();
