/**
 * The "Compare models" view: several recognizers on the same images, side by side. One recognizer
 * worker per chosen model (loaded in parallel, each with its own status; a crash is a named error in
 * its column only), one table row per image and one column per model (text, confidence, time, and the
 * rectified input for models with a transform); cells that differ from the row's majority are marked;
 * a summary per model; CSV/JSON exports. The pure parts (choice memory, majority, summary, exports) are
 * exported for unit tests; `mountCompare` is the DOM.
 */
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { Recognition } from '../recognize/recognizer.ts';
import type { RgbaImage } from '../image/types.ts';
import type { ErrorInfo } from '../runtime/errors.ts';
import { parseStoredModelKey, type ModelSource, type StoredModel } from '../recognize/model_source.ts';
import type { RecognizerApi } from '../../workers/recognizer.ts';
import type { ShippedListing } from './shipped_models.ts';
import { shippedKey } from './shipped_models.ts';
import { rectifiedLabel, totalMs } from './demo_results.ts';
import { droppedImageFiles, MAX_FILE_BYTES, pastedFiles } from './demo_input.ts';
import { describeError } from './runtime_client.ts';
import { el } from './dom.ts';

// ---- pure parts ------------------------------------------------------------------------------------

/** A model the page can compare: shipped with the build, or stored in this browser's IndexedDB. */
export interface CompareModel {
  /** `shipped:<name>` or the IndexedDB key. */
  key: string;
  /** Short name for column headers ('ppocr-v4', 'rare.pth'). */
  name: string;
  /** One line for the checkbox. */
  title: string;
  shipped: boolean;
  source: ModelSource;
}

export function shippedModel(m: ShippedListing): CompareModel {
  return { key: shippedKey(m.name), name: m.name, title: `${m.name} — ${m.title}`, shipped: true, source: { kind: 'shipped', name: m.name } };
}

export function storedModel(m: StoredModel): CompareModel {
  const name = parseStoredModelKey(m.key)?.fileName ?? m.name;
  return { key: m.key, name, title: `${name} (${m.preset}, in this browser)`, shipped: false, source: { kind: 'indexeddb', key: m.key } };
}

/** localStorage key of the remembered choice. */
export const CHOICE_PREF = 'webstr.compare.models';

interface SavedChoice {
  checked: string[];
  /** Every key listed when the choice was saved: a shipped model not among them is new, and checked. */
  known: string[];
}

function parseChoice(saved: string | null): SavedChoice | null {
  if (saved === null) return null;
  try {
    const j = JSON.parse(saved) as Partial<SavedChoice>;
    const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
    return strings(j.checked) && strings(j.known) ? { checked: j.checked, known: j.known } : null;
  } catch {
    return null;
  }
}

/**
 * The models checked on arrival, in list order: with nothing saved (or something unreadable), every
 * shipped model; else the saved choice, plus shipped models that were not listed when it was saved (a
 * build that ships a new model shows it without the user having to find it).
 */
export function initialChoice(models: readonly CompareModel[], saved: string | null): string[] {
  const s = parseChoice(saved);
  if (s === null) return models.filter((m) => m.shipped).map((m) => m.key);
  return models.filter((m) => s.checked.includes(m.key) || (m.shipped && !s.known.includes(m.key))).map((m) => m.key);
}

/** What `initialChoice` reads back on the next visit. */
export function saveChoice(models: readonly CompareModel[], checked: readonly string[]): string {
  return JSON.stringify({ checked: [...checked], known: models.map((m) => m.key) } satisfies SavedChoice);
}

/**
 * Which of a row's texts differ from its majority. `null` entries (no text: pending or failed) take no
 * part. The majority is the text read by more models than any other; with a tie at the top there is no
 * majority and every text that was read is marked, unless they all agree. One text alone is never marked.
 */
export function disagreements(texts: readonly (string | null)[]): { majority: string | null; differs: boolean[] } {
  const counts = new Map<string, number>();
  for (const t of texts) if (t !== null) counts.set(t, (counts.get(t) ?? 0) + 1);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const top = ranked[0];
  const second = ranked[1];
  const majority = top !== undefined && (second === undefined || second[1] < top[1]) ? top[0] : null;
  const differs = texts.map((t) => t !== null && counts.size > 1 && t !== majority);
  return { majority, differs };
}

/** A cell's outcome: the recognition, or a named error (its own, or its column's). */
export type CellOutcome = ({ ok: true } & Recognition) | { ok: false; error: ErrorInfo };

export interface ModelSummary {
  /** Images read (no error). */
  words: number;
  errors: number;
  /** Mean total time per read image (ms); null before the first. */
  meanMs: number | null;
  /** Read images whose text differs from their row's majority. */
  disagreements: number;
}

export function summarise(cells: readonly { outcome: CellOutcome; differs: boolean }[]): ModelSummary {
  let words = 0;
  let errors = 0;
  let ms = 0;
  let differ = 0;
  for (const c of cells) {
    if (c.outcome.ok) {
      words++;
      ms += totalMs(c.outcome);
      if (c.differs) differ++;
    } else errors++;
  }
  return { words, errors, meanMs: words > 0 ? ms / words : null, disagreements: differ };
}

export function summaryLine(s: ModelSummary): string {
  const parts = [`${s.words} word${s.words === 1 ? '' : 's'}`];
  if (s.meanMs !== null) parts.push(`${s.meanMs.toFixed(1)} ms mean`);
  if (s.disagreements > 0) parts.push(`${s.disagreements} disagreement${s.disagreements === 1 ? '' : 's'}`);
  if (s.errors > 0) parts.push(`${s.errors} error${s.errors === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** What the exports see: the models (columns) and, per image, its cells by model key. */
export interface CompareExport {
  models: { key: string; name: string; preset: string | null; backend: string | null }[];
  rows: { file: string; cells: Map<string, CellOutcome> }[];
}

function rowMajority(models: CompareExport['models'], cells: Map<string, CellOutcome>): { majority: string | null; differs: Map<string, boolean> } {
  const texts = models.map((m) => {
    const o = cells.get(m.key);
    return o?.ok === true ? o.text : null;
  });
  const d = disagreements(texts);
  return { majority: d.majority, differs: new Map(models.map((m, i) => [m.key, d.differs[i] ?? false])) };
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** One line per image and model (long form: easy to pivot), with the majority and whether it differs. */
export function compareCsv(x: CompareExport): string {
  const lines = ['file,model,text,confidence,total_ms,majority,differs,error'];
  for (const r of x.rows) {
    const { majority, differs } = rowMajority(x.models, r.cells);
    for (const m of x.models) {
      const o = r.cells.get(m.key);
      if (o === undefined) continue;
      const cells = o.ok
        ? [r.file, m.name, o.text, o.confidence.toFixed(6), totalMs(o).toFixed(2), majority ?? '', differs.get(m.key) === true ? 'yes' : 'no', '']
        : [r.file, m.name, '', '', '', majority ?? '', '', `${o.error.name}: ${o.error.message}`];
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function compareJson(x: CompareExport): string {
  const images = x.rows.map((r) => {
    const { majority, differs } = rowMajority(x.models, r.cells);
    const results: Record<string, unknown> = {};
    for (const m of x.models) {
      const o = r.cells.get(m.key);
      if (o === undefined) continue;
      results[m.key] = o.ok
        ? { text: o.text, confidence: o.confidence, charConfidences: o.charConfidences, timings: o.timings, backend: o.backend, differs: differs.get(m.key) === true }
        : { error: o.error };
    }
    return { file: r.file, majority, results };
  });
  return `${JSON.stringify({ models: x.models, images }, null, 2)}\n`;
}

// ---- the view --------------------------------------------------------------------------------------

/** What the view needs of a recognizer worker (a `WorkerClient<RecognizerApi>`). */
export interface CompareWorker {
  readonly api: Remote<RecognizerApi>;
  onCrash(listener: (e: ErrorInfo) => void): () => void;
  restart(): void;
  terminate(): void;
}

export interface CompareDeps {
  /** 'auto' | 'webgpu' | 'wasm' | 'cpu' (the page's `?backend=`). */
  backend: string;
  /** The build's shipped models (models/index.json). */
  listShipped(): Promise<ShippedListing[]>;
  /** Starts a recognizer worker; `label` names it in errors and in its liveness lock. */
  startWorker(label: string): CompareWorker;
  /** Bundled sample crops: names and how to read one. */
  samples: readonly string[];
  fetchSample(name: string): Promise<File>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
}

export type ColumnState = 'loading' | 'ready' | 'error';

export interface CompareEvents {
  /** The list of models is shown (checkboxes), with the keys checked. */
  models: { models: CompareModel[]; checked: string[] };
  /** A column's model is loading, ready, or failed (load error or crashed worker). */
  column: { key: string; state: ColumnState; error?: ErrorInfo };
  /** A cell got its outcome. */
  cell: { file: string; key: string; outcome: CellOutcome };
  /** Cells done of all cells (images × columns). */
  progress: { done: number; total: number };
}

export interface CompareHandle {
  on<K extends keyof CompareEvents>(type: K, listener: (e: CompareEvents[K]) => void): () => void;
  /** Adds images (one row each); every chosen model reads them. */
  addFiles(files: File[]): void;
  /** Checks or unchecks a model (as its checkbox does). */
  setChecked(key: string, checked: boolean): void;
  /** The export data as it stands. */
  snapshot(): CompareExport;
  dispose(): void;
}

/** Images per worker call: steady progress, yet same-width crops still batch. */
const CHUNK = 8;

interface Row {
  id: number;
  file: File;
  name: string;
  url: string;
  cells: Map<string, { outcome: CellOutcome; fromColumn: boolean }>;
  tr: HTMLTableRowElement;
}

interface Column {
  model: CompareModel;
  label: string;
  worker: CompareWorker;
  state: ColumnState;
  error: ErrorInfo | null;
  preset: string | null;
  backend: string | null;
  /** The transform's label ('rectified by TPS'); null: no rectified image asked for. */
  rectified: string | null;
  busy: boolean;
  /** Bumped on restart and removal: results of an older generation are dropped. */
  generation: number;
  th: HTMLTableCellElement;
  status: HTMLElement;
  summary: HTMLTableCellElement;
  unsubscribe: () => void;
}

const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;

function rectifiedCanvas(img: RgbaImage, label: string): HTMLCanvasElement {
  const c = el('canvas', { className: 'rectified', width: img.width, height: img.height, testid: 'cell-rectified' });
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', `${label} (${img.width}×${img.height})`);
  c.title = label;
  const data = img.data instanceof Uint8ClampedArray ? img.data : new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  c.getContext('2d')?.putImageData(new ImageData(data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
  return c;
}

function errorLine(e: ErrorInfo, testid: string): HTMLElement {
  const p = el('p', { className: 'error', testid }, el('strong', { textContent: e.name }), `: ${e.message}`);
  p.dataset.errorName = e.name;
  return p;
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function mountCompare(root: HTMLElement, deps: CompareDeps): CompareHandle {
  // Typed at `on` and `emit`; stored by event name.
  const listeners = new Map<keyof CompareEvents, Set<(e: unknown) => void>>();
  function emit<K extends keyof CompareEvents>(type: K, e: CompareEvents[K]): void {
    for (const l of listeners.get(type) ?? []) l(e);
  }

  // ---- skeleton
  const modelList = el('ul', { className: 'model-choice', testid: 'model-choice' });
  const modelNote = el('p', { className: 'hint', testid: 'models-status', textContent: 'Looking for models…' });
  modelNote.setAttribute('role', 'status');
  const fieldset = el('fieldset', {}, el('legend', { textContent: 'Models to compare' }), modelList);
  const modelsSection = el('section', { className: 'panel' }, el('h2', { id: 'compare-models-title', textContent: 'Models' }), fieldset, modelNote);
  modelsSection.setAttribute('aria-labelledby', 'compare-models-title');

  const fileInput = el('input', { type: 'file', id: 'compare-files', multiple: true, accept: 'image/*', testid: 'image-files' });
  const drop = el(
    'div',
    { className: 'dropzone', testid: 'dropzone', tabIndex: 0 },
    el('strong', { textContent: 'Drop word crops here' }),
    el('span', { id: 'compare-drop-help', textContent: 'or press Enter to pick files · paste an image with Ctrl+V' }),
  );
  drop.setAttribute('role', 'button');
  drop.setAttribute('aria-describedby', 'compare-drop-help');
  const sampleList = el('ul', { className: 'sample-list' });
  for (const name of deps.samples) {
    const b = el('button', { type: 'button', testid: 'sample' }, el('img', { src: `./samples/${name}`, alt: `Sample: ${name.replace(/^\d+-|\.png$/g, '')}` }));
    b.dataset.sample = name;
    b.addEventListener('click', () => {
      deps.fetchSample(name).then(
        (f) => addFiles([f]),
        (err: unknown) => showInputError(describeError(err)),
      );
    });
    sampleList.append(el('li', {}, b));
  }
  const samplesGroup = el('div', { className: 'samples' }, el('h3', { id: 'compare-samples-title', textContent: 'Sample crops' }), sampleList);
  samplesGroup.setAttribute('role', 'group');
  samplesGroup.setAttribute('aria-labelledby', 'compare-samples-title');
  const progress = el('progress', { max: 1, value: 0, testid: 'progress-bar' });
  progress.setAttribute('aria-label', 'Images read');
  const progressText = el('p', { testid: 'progress', textContent: 'No images yet.' });
  progressText.setAttribute('role', 'status');
  const imagesSection = el(
    'section',
    { className: 'panel' },
    el('h2', { id: 'compare-images-title', textContent: 'Images' }),
    el('p', { className: 'hint', textContent: 'One cropped word per image, as in the samples. Every chosen model reads every image.' }),
    drop,
    el('p', { className: 'row' }, el('label', { htmlFor: 'compare-files', textContent: 'Pick images' }), fileInput),
    samplesGroup,
    el('div', { className: 'progress-row' }, progress, progressText),
  );
  imagesSection.setAttribute('aria-labelledby', 'compare-images-title');

  const csvButton = el('button', { type: 'button', testid: 'download-csv', textContent: 'Download CSV', disabled: true });
  const jsonButton = el('button', { type: 'button', testid: 'download-json', textContent: 'Download JSON', disabled: true });
  const clearButton = el('button', { type: 'button', testid: 'clear', textContent: 'Clear', disabled: true });
  const headRow = el('tr', {}, el('th', { scope: 'col', textContent: 'Image' }));
  const summaryRow = el('tr', { className: 'summary' }, el('th', { scope: 'row', textContent: 'Summary' }));
  const tbody = el('tbody');
  const table = el('table', { className: 'compare-table', testid: 'compare-table' }, el('caption', { className: 'visually-hidden', textContent: 'Each model’s reading of each image' }), el('thead', {}, headRow), tbody, el('tfoot', {}, summaryRow));
  const tableBox = el('div', { className: 'table-box', tabIndex: 0 }, table);
  tableBox.setAttribute('role', 'region');
  tableBox.setAttribute('aria-label', 'Comparison table (scrolls sideways)');
  const resultsSection = el(
    'section',
    { className: 'panel' },
    el('h2', { id: 'compare-results-title', textContent: 'Results' }),
    el('p', { className: 'hint', textContent: 'Cells whose text differs from the row’s majority are marked ≠ (every text of a row where no text has a majority). The models run at the same time and share the processor, so their times are each slower than alone.' }),
    el('p', { className: 'row toolbar' }, csvButton, jsonButton, clearButton),
    tableBox,
  );
  resultsSection.setAttribute('aria-labelledby', 'compare-results-title');
  root.append(modelsSection, imagesSection, resultsSection);

  // ---- state
  let models: CompareModel[] = [];
  let checked: string[] = [];
  const checkboxes = new Map<string, HTMLInputElement>();
  const columns: Column[] = [];
  const rows: Row[] = [];
  let nextRow = 1;
  let nextWorker = 1;
  /** The worker that listed the stored models, kept for the first column. */
  let spare: { worker: CompareWorker; label: string } | null = null;
  let disposed = false;

  function newWorker(): { worker: CompareWorker; label: string } {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const label = `compare-${nextWorker++}`;
    return { worker: deps.startWorker(label), label };
  }

  function showInputError(e: ErrorInfo): void {
    progressText.replaceChildren(errorLine(e, 'input-error'));
  }

  function updateProgress(): void {
    const total = rows.length * columns.length;
    let done = 0;
    for (const r of rows) for (const c of columns) if (r.cells.has(c.model.key)) done++;
    progress.max = Math.max(1, total);
    progress.value = done;
    progressText.textContent =
      rows.length === 0
        ? 'No images yet.'
        : columns.length === 0
          ? `${rows.length} image${rows.length === 1 ? '' : 's'}; choose a model above.`
          : done < total
            ? `Reading: ${done} of ${total} (${rows.length} image${rows.length === 1 ? '' : 's'} × ${columns.length} model${columns.length === 1 ? '' : 's'})…`
            : `Done: ${rows.length} image${rows.length === 1 ? '' : 's'} × ${columns.length} model${columns.length === 1 ? '' : 's'}.`;
    document.body.dataset.busy = String(done < total);
    for (const b of [csvButton, jsonButton]) b.disabled = done === 0;
    clearButton.disabled = rows.length === 0 || done < total;
    emit('progress', { done, total });
  }

  function renderColumnStatus(c: Column): void {
    c.th.dataset.state = c.state;
    if (c.state === 'error' && c.error !== null) {
      const restart = el('button', { type: 'button', testid: 'column-restart', textContent: 'Restart' });
      restart.setAttribute('aria-label', `Restart ${c.model.name}`);
      restart.addEventListener('click', () => restartColumn(c));
      c.status.replaceChildren(errorLine(c.error, 'column-error'), restart);
    } else c.status.textContent = c.state === 'loading' ? 'loading…' : [c.preset, c.backend, c.rectified].filter((s) => s !== null).join(' · ');
  }

  /** Per column of `row`: whether its text differs from the row's majority. */
  function rowDiffers(row: Row): boolean[] {
    return disagreements(columns.map((c) => {
      const o = row.cells.get(c.model.key)?.outcome;
      return o?.ok === true ? o.text : null;
    })).differs;
  }

  function renderSummary(c: Column): void {
    const i = columns.indexOf(c);
    const cells = rows.flatMap((r) => {
      const cell = r.cells.get(c.model.key);
      return cell === undefined ? [] : [{ outcome: cell.outcome, differs: rowDiffers(r)[i] === true }];
    });
    c.summary.textContent = summaryLine(summarise(cells));
  }

  /** The cell of `row` for column `c`, drawn from its outcome (or as pending). */
  function renderCell(row: Row, c: Column): HTMLTableCellElement {
    const td = el('td', { testid: 'cell' });
    td.dataset.key = c.model.key;
    const cell = row.cells.get(c.model.key);
    if (cell === undefined) {
      td.dataset.state = 'pending';
      td.append(el('span', { className: 'pending', textContent: c.state === 'loading' ? 'waiting for the model…' : 'reading…' }));
      return td;
    }
    const o = cell.outcome;
    if (!o.ok) {
      td.dataset.state = 'error';
      td.dataset.errorName = o.error.name;
      td.append(errorLine(o.error, 'cell-error'));
      return td;
    }
    td.dataset.state = 'ok';
    td.dataset.text = o.text;
    const text = el('p', { className: 'text', testid: 'cell-text', textContent: o.text });
    if (o.text === '') text.append(el('em', { textContent: '(no text)' }));
    const mark = el('span', { className: 'differs-mark', textContent: ' ≠', title: 'differs from the majority' });
    mark.append(el('span', { className: 'visually-hidden', textContent: ' (differs from the majority)' }));
    text.append(mark);
    td.append(
      text,
      el('p', { className: 'meta' }, el('span', { testid: 'cell-confidence', textContent: pct(o.confidence) }), ' · ', el('span', { testid: 'cell-ms', textContent: `${totalMs(o).toFixed(1)} ms` })),
    );
    if (c.rectified !== null && o.rectified !== undefined) td.append(rectifiedCanvas(o.rectified, c.rectified));
    return td;
  }

  /** Redraws a row's cells in column order and marks the texts that differ from its majority. */
  function renderRow(row: Row): void {
    const head = row.tr.firstElementChild;
    const tds = columns.map((c) => renderCell(row, c));
    const differs = rowDiffers(row);
    tds.forEach((td, i) => {
      td.classList.toggle('differs', differs[i] === true);
      if (differs[i] === true) td.dataset.differs = 'true';
    });
    row.tr.replaceChildren(...(head !== null ? [head] : []), ...tds);
  }

  function renderAll(): void {
    headRow.replaceChildren(headRow.firstElementChild!, ...columns.map((c) => c.th));
    summaryRow.replaceChildren(summaryRow.firstElementChild!, ...columns.map((c) => c.summary));
    for (const r of rows) renderRow(r);
    for (const c of columns) renderSummary(c);
    updateProgress();
  }

  function setCell(row: Row, c: Column, outcome: CellOutcome, fromColumn = false): void {
    row.cells.set(c.model.key, { outcome, fromColumn });
    emit('cell', { file: row.name, key: c.model.key, outcome });
  }

  function failColumn(c: Column, error: ErrorInfo): void {
    c.state = 'error';
    c.error = error;
    // Its images get its error, so the run ends and the export says why; the other columns go on.
    for (const r of rows) if (!r.cells.has(c.model.key)) setCell(r, c, { ok: false, error }, true);
    renderColumnStatus(c);
    emit('column', { key: c.model.key, state: 'error', error });
    renderAll();
  }

  async function load(c: Column): Promise<void> {
    const generation = c.generation;
    c.state = 'loading';
    c.error = null;
    renderColumnStatus(c);
    emit('column', { key: c.model.key, state: 'loading' });
    try {
      const info = await c.worker.api.create({ model: c.model.source, backend: deps.backend }, Comlink.proxy((message: string) => (c.status.title = message)));
      if (generation !== c.generation) return;
      c.preset = info.preset;
      c.backend = info.capabilities.backend;
      c.rectified = rectifiedLabel(info.config.transform);
      c.state = 'ready';
      renderColumnStatus(c);
      emit('column', { key: c.model.key, state: 'ready' });
      renderAll();
      await pump(c);
    } catch (err) {
      if (generation === c.generation && c.error === null) failColumn(c, describeError(err));
    }
  }

  /** Reads the column's missing cells, a chunk at a time, until none is missing. */
  async function pump(c: Column): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    const generation = c.generation;
    try {
      for (;;) {
        if (c.state !== 'ready' || generation !== c.generation || !columns.includes(c)) return;
        const chunk = rows.filter((r) => !r.cells.has(c.model.key)).slice(0, CHUNK);
        if (chunk.length === 0) return;
        const send = chunk.filter((r) => r.file.size <= MAX_FILE_BYTES);
        let got: CellOutcome[];
        try {
          got = send.length === 0 ? [] : await c.worker.api.recognizeBatch(send.map((r) => r.file), c.rectified !== null ? { rectified: true } : undefined);
        } catch (err) {
          const e = describeError(err);
          got = send.map(() => ({ ok: false, error: e }));
        }
        if (generation !== c.generation || !columns.includes(c)) return;
        let k = 0;
        for (const r of chunk) {
          if (r.cells.has(c.model.key) || !rows.includes(r)) {
            if (r.file.size <= MAX_FILE_BYTES) k++;
            continue;
          }
          const outcome: CellOutcome =
            r.file.size > MAX_FILE_BYTES
              ? { ok: false, error: { name: 'FileTooLargeError', message: `${(r.file.size / 2 ** 20).toFixed(0)} MiB; files above ${MAX_FILE_BYTES / 2 ** 20} MiB are refused unread` } }
              : (got[k++] ?? { ok: false, error: { name: 'Error', message: 'the worker returned no result for this image' } });
          setCell(r, c, outcome);
          renderRow(r);
        }
        for (const col of columns) renderSummary(col);
        updateProgress();
      }
    } finally {
      c.busy = false;
    }
  }

  function addColumn(model: CompareModel): void {
    const { worker, label } = newWorker();
    const status = el('span', { className: 'column-status', testid: 'column-status' });
    status.setAttribute('role', 'status');
    const th = el('th', { scope: 'col', testid: 'column' }, el('span', { className: 'column-name', textContent: model.name }), status);
    th.dataset.key = model.key;
    th.dataset.worker = label;
    const summary = el('td', { className: 'summary', testid: 'summary' });
    summary.dataset.key = model.key;
    const c: Column = { model, label, worker, state: 'loading', error: null, preset: null, backend: null, rectified: null, busy: false, generation: 0, th, status, summary, unsubscribe: () => undefined };
    c.unsubscribe = worker.onCrash((err) => failColumn(c, err));
    const at = models.findIndex((m) => m.key === model.key);
    const before = columns.findIndex((o) => models.findIndex((m) => m.key === o.model.key) > at);
    columns.splice(before < 0 ? columns.length : before, 0, c);
    renderAll();
    void load(c);
  }

  function removeColumn(key: string): void {
    const i = columns.findIndex((c) => c.model.key === key);
    if (i < 0) return;
    const [c] = columns.splice(i, 1);
    if (c === undefined) return;
    c.generation++;
    c.unsubscribe();
    c.worker.terminate();
    for (const r of rows) r.cells.delete(key);
    renderAll();
  }

  function restartColumn(c: Column): void {
    c.generation++;
    c.worker.restart();
    // Cells that only carry the column's failure are read again; an image's own error stays.
    for (const r of rows) if (r.cells.get(c.model.key)?.fromColumn === true) r.cells.delete(c.model.key);
    c.state = 'loading';
    renderAll();
    void load(c);
  }

  function setChecked(key: string, on: boolean): void {
    const box = checkboxes.get(key);
    if (box === undefined) return;
    box.checked = on;
    checked = models.filter((m) => checkboxes.get(m.key)?.checked === true).map((m) => m.key);
    deps.storage.setItem(CHOICE_PREF, saveChoice(models, checked));
    if (on && !columns.some((c) => c.model.key === key)) {
      const m = models.find((x) => x.key === key);
      if (m !== undefined) addColumn(m);
    } else if (!on) removeColumn(key);
    modelNote.textContent = checked.length === 0 ? 'Choose at least one model.' : `${checked.length} model${checked.length === 1 ? '' : 's'} chosen; each runs in its own worker.`;
  }

  function addFiles(files: File[]): void {
    if (files.length === 0) return;
    for (const file of files) {
      const name = file.webkitRelativePath || file.name;
      const url = URL.createObjectURL(file);
      const th = el('th', { scope: 'row', className: 'image' }, el('img', { src: url, alt: `input image ${name}`, decoding: 'async' }), el('span', { className: 'file', textContent: `${nextRow}. ${name}` }));
      const tr = el('tr', { testid: 'row' }, th);
      tr.dataset.file = name;
      const row: Row = { id: nextRow++, file, name, url, cells: new Map(), tr };
      rows.push(row);
      tbody.append(tr);
      // A column that failed for good answers for new images at once.
      for (const c of columns) if (c.state === 'error' && c.error !== null) setCell(row, c, { ok: false, error: c.error }, true);
      renderRow(row);
    }
    for (const c of columns) renderSummary(c);
    updateProgress();
    for (const c of columns) void pump(c);
  }

  // ---- inputs
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer !== null) droppedImageFiles(e.dataTransfer).then(addFiles, (err: unknown) => showInputError(describeError(err)));
  });
  drop.addEventListener('click', () => fileInput.click());
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fileInput.click();
    }
  });
  fileInput.addEventListener('change', () => {
    addFiles(Array.from(fileInput.files ?? []));
    fileInput.value = '';
  });
  let pasted = 0;
  const onPaste = (e: ClipboardEvent): void => {
    const files = pastedFiles(e, () => ++pasted);
    if (files.length > 0) {
      e.preventDefault();
      addFiles(files);
    }
  };
  document.addEventListener('paste', onPaste);
  const noNavigate = (e: DragEvent): void => e.preventDefault();
  window.addEventListener('dragover', noNavigate);
  window.addEventListener('drop', noNavigate);

  // ---- exports
  function snapshot(): CompareExport {
    return {
      models: columns.map((c) => ({ key: c.model.key, name: c.model.name, preset: c.preset, backend: c.backend })),
      rows: rows.map((r) => ({ file: r.name, cells: new Map([...r.cells].filter(([k]) => columns.some((c) => c.model.key === k)).map(([k, v]) => [k, v.outcome])) })),
    };
  }
  csvButton.addEventListener('click', () => download('webstr-compare.csv', 'text/csv', compareCsv(snapshot())));
  jsonButton.addEventListener('click', () => download('webstr-compare.json', 'application/json', compareJson(snapshot())));
  clearButton.addEventListener('click', () => {
    for (const r of rows.splice(0)) URL.revokeObjectURL(r.url);
    tbody.replaceChildren();
    nextRow = 1;
    renderAll();
  });

  // ---- start: the shipped list, then the stored one (from a worker that then serves the first column)
  void (async () => {
    const shipped = await deps.listShipped();
    let stored: StoredModel[] = [];
    let listError: ErrorInfo | null = null;
    spare = newWorker();
    try {
      stored = await spare.worker.api.listModels();
    } catch (err) {
      listError = describeError(err);
      spare.worker.terminate();
      spare = null;
    }
    if (disposed) return;
    models = [...shipped.map(shippedModel), ...stored.map(storedModel)];
    checked = initialChoice(models, deps.storage.getItem(CHOICE_PREF));
    for (const m of models) {
      const box = el('input', { type: 'checkbox', id: `compare-model-${checkboxes.size}`, checked: checked.includes(m.key), value: m.key, testid: 'model-checkbox' });
      box.addEventListener('change', () => setChecked(m.key, box.checked));
      checkboxes.set(m.key, box);
      modelList.append(el('li', {}, box, el('label', { htmlFor: box.id, textContent: m.title })));
    }
    if (listError !== null) modelNote.replaceChildren(errorLine(listError, 'models-error'));
    else if (models.length === 0) modelNote.textContent = 'No models: this build ships none (run `npm run models`) and none is stored in this browser (import one on the Recognize page).';
    else modelNote.textContent = checked.length === 0 ? 'Choose at least one model.' : `${checked.length} model${checked.length === 1 ? '' : 's'} chosen; each runs in its own worker.`;
    for (const key of checked) {
      const m = models.find((x) => x.key === key);
      if (m !== undefined) addColumn(m);
    }
    if (spare !== null) {
      spare.worker.terminate();
      spare = null;
    }
    emit('models', { models, checked: [...checked] });
  })().catch((err: unknown) => modelNote.replaceChildren(errorLine(describeError(err), 'models-error')));

  return {
    on(type, listener) {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      const l = listener as (e: unknown) => void;
      set.add(l);
      return () => void set.delete(l);
    },
    addFiles,
    setChecked,
    snapshot,
    dispose() {
      disposed = true;
      for (const c of columns.splice(0)) {
        c.unsubscribe();
        c.worker.terminate();
      }
      spare?.worker.terminate();
      document.removeEventListener('paste', onPaste);
      window.removeEventListener('dragover', noNavigate);
      window.removeEventListener('drop', noNavigate);
    },
  };
}
