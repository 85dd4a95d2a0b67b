/**
 * The demo's model picker: the shipped models, then those stored in this browser, in one <select>; the
 * choice is loaded into the recognizer worker and remembered; stored models can be deleted. Writes the
 * test marker `body[data-model]` (loading|ready|none|error); nothing reads it back.
 */
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { RecognizerApi } from '../../workers/recognizer.ts';
import type { RecognizerInfo } from '../../workers/recognizer_api.ts';
import { errorInfo } from '../runtime/errors.ts';
import { sourceOfKey } from '../recognize/model_source.ts';
import { modelLabel } from './demo_import.ts';
import { rectifiedLabel } from './demo_results.ts';
import { el, part, showStatus } from './dom.ts';
import { fetchShippedModels, shippedKey, shippedName, type ShippedListing } from './shipped_models.ts';

const MODEL_PREF = 'webstr.demo.model';
/** Select values of models named by URL (`?model=`). */
const URL_PREFIX = 'url:';

export type ModelState = 'loading' | 'ready' | 'none' | 'error';

export interface ModelPicker {
  /** Lists the models and loads the one asked for (`?model=<shipped name | model.json URL>`), else the
   *  remembered one, else the first (most accurate) shipped one. Images given before it settles wait. */
  start(asked: string | null, sha256: string | null): Promise<void>;
  /** Relists the models, selects `key` and loads it (after an import). */
  show(key: string): Promise<void>;
  /** Loads the current model again (in a new worker after a crash); nothing when none is loaded. */
  reload(): Promise<void>;
  /** Whether a model is ready, once the load in progress (if any) settles. */
  ready(): Promise<boolean>;
  readonly state: ModelState;
  /** The key of the loaded model; null without one. */
  readonly loaded: string | null;
  /** The loaded model's transform as a label ('rectified by TPS'); null without one (CRNN). */
  readonly rectified: string | null;
}

export interface ModelPickerDeps {
  api: Pick<Remote<RecognizerApi>, 'listModels' | 'deleteModel' | 'create'>;
  backend: string;
  /** The allowed-character spec to start with. */
  allow: () => string | null;
  /** A backend fallback said by the worker (WebGPU device lost → wasm). */
  onNotice: (message: string) => void;
  /** A model was loaded (its capability report is the worker's current one). */
  onLoaded: (info: RecognizerInfo) => void;
  /** There is no model at all: the import form is the way on. */
  onNone: () => void;
}

/** `root`: what holds #model-select, #model-delete and #model-status. */
export function mountModelPicker(root: HTMLElement, deps: ModelPickerDeps): ModelPicker {
  const select = part<HTMLSelectElement>(root, 'model-select');
  const del = part<HTMLButtonElement>(root, 'model-delete');
  const status = part(root, 'model-status');

  let state: ModelState = 'loading';
  let loaded: string | null = null;
  let rectified: string | null = null;
  let shipped: ShippedListing[] | null = null;
  let sha256: string | null = null;
  let settle: (ok: boolean) => void = () => undefined;
  // Pending until start() settles the first model: images dropped while the worker starts wait for it.
  let current = new Promise<boolean>((r) => (settle = r));

  const setState = (s: ModelState): void => {
    state = s;
    document.body.dataset.model = s;
  };

  /** Shipped models cannot be deleted. */
  const updateDelete = (): void => {
    del.disabled = select.value === '' || shippedName(select.value) !== null;
  };

  /** Lists the shipped models, then the stored ones; selects `wanted`, else the remembered choice, else
   *  the first. Returns the keys listed. */
  const refresh = async (wanted?: string): Promise<string[]> => {
    shipped ??= await fetchShippedModels();
    const stored = await deps.api.listModels();
    const group = (label: string, options: HTMLOptionElement[]): HTMLOptGroupElement[] => (options.length === 0 ? [] : [el('optgroup', { label }, ...options)]);
    select.replaceChildren(
      ...group('Shipped with webstr', shipped.map((m) => el('option', { value: shippedKey(m.name), textContent: `${m.name} — ${m.title}` }))),
      ...group('In this browser', stored.map((m) => el('option', { value: m.key, textContent: modelLabel(m) }))),
    );
    const keys = [...shipped.map((m) => shippedKey(m.name)), ...stored.map((m) => m.key)];
    const pick = wanted ?? localStorage.getItem(MODEL_PREF);
    if (pick !== null && keys.includes(pick)) select.value = pick;
    else if (keys[0] !== undefined) select.value = keys[0];
    select.disabled = keys.length === 0;
    updateDelete();
    return keys;
  };

  const load = (key: string): Promise<boolean> => {
    setState('loading');
    updateDelete();
    const name = shippedName(key);
    const url = key.startsWith(URL_PREFIX) ? key.slice(URL_PREFIX.length) : null;
    showStatus(status, `Loading ${name ?? url ?? key}…`);
    current = (async () => {
      try {
        const model = url !== null ? { kind: 'url' as const, url: new URL(url, location.href).href, ...(sha256 !== null ? { sha256 } : {}) } : sourceOfKey(key);
        const info = await deps.api.create({ model, backend: deps.backend, allow: deps.allow() }, Comlink.proxy(deps.onNotice));
        rectified = rectifiedLabel(info.config.transform);
        loaded = key;
        if (url === null) localStorage.setItem(MODEL_PREF, key);
        deps.onLoaded(info);
        showStatus(status, `Ready: ${info.preset} · charset ${info.charset} · from ${info.provenance.source}${info.provenance.license !== undefined ? ` · ${info.provenance.license}` : ''}`);
        setState('ready');
        return true;
      } catch (err) {
        loaded = null;
        showStatus(status, '', errorInfo(err));
        setState('error');
        return false;
      }
    })();
    return current;
  };

  const none = (): void => {
    setState('none');
    loaded = null;
    showStatus(status, 'No model yet (this build ships none: run `npm run models`): import a PaddleOCR inference .onnx below (it is kept for later visits).');
    deps.onNone();
  };

  const start = async (asked: string | null, digest: string | null): Promise<void> => {
    sha256 = digest;
    try {
      const keys = await refresh();
      if (asked !== null && asked !== '') {
        const key = keys.includes(shippedKey(asked)) ? shippedKey(asked) : `${URL_PREFIX}${asked}`;
        if (!keys.includes(key)) select.prepend(el('option', { value: key, textContent: `from ${asked}` }));
        select.value = key;
        select.disabled = false;
        settle(await load(key));
      } else if (keys.length === 0) {
        none();
        settle(false);
      } else settle(await load(select.value));
    } catch (err) {
      showStatus(status, '', errorInfo(err));
      setState('error');
      settle(false);
    }
  };

  select.addEventListener('change', () => void load(select.value));
  del.addEventListener('click', () => {
    const key = select.value;
    if (key === '' || !confirm(`Delete ${key} from this browser?`)) return;
    void (async () => {
      await deps.api.deleteModel(key);
      if (localStorage.getItem(MODEL_PREF) === key) localStorage.removeItem(MODEL_PREF);
      const left = await refresh();
      if (left.length > 0) await load(select.value);
      else none();
    })();
  });

  return {
    start,
    show: async (key) => {
      await refresh(key);
      await load(key);
    },
    reload: async () => {
      if (loaded !== null) await load(loaded);
    },
    ready: () => current,
    get state() {
      return state;
    },
    get loaded() {
      return loaded;
    },
    get rectified() {
      return rectified;
    },
  };
}
