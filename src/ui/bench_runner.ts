/**
 * The benchmark runner of bench.html: choose models (import an .onnx as a preset, or model.json +
 * weights.bin, stored in IndexedDB) and datasets (imported ones, or LMDB files read in place), run in
 * the bench worker with progress, rate, ETA and cancel; results per dataset beside the published
 * numbers, a chart, a failure gallery filterable by dataset, JSON/CSV export, and a history of runs.
 * State for tests and scripts: `body[data-bench]` (idle|running|done|cancelled|error) and
 * `window.webstrBench` (`runDirect` is the hook `npm run bench` drives).
 */
import { modelFileKind, storedModelName, type StoredModel } from '../recognize/model_source.ts';
import { fillPresetSelect, presetChoices } from './preset_choices.ts';
import type { Remote } from 'comlink';
import type { BenchApi } from '../../workers/bench.ts';
import { fetchShippedModels, shippedKey, shippedName, type ShippedListing } from './shipped_models.ts';
import type { BenchDataSource, BenchProgress, BenchRunRequest, BenchRunResult } from '../../workers/bench_api.ts';
import type { IngestApi } from '../../workers/ingest.ts';
import { PRESETS } from '../models/presets.ts';
import { benchmarkSet, failuresCsv, reportCsv, type BenchReport } from '../eval/report.ts';
import { accuracyChart, referenceVerdict } from './bench_chart.ts';
import { BenchHistory, type HistoryRun } from './bench_history.ts';
import { describeError, requestedBackend } from './runtime_client.ts';
import { download, el } from './dom.ts';
import type { DatasetsPanel } from './datasets_panel.ts';
import { BenchPool, defaultWorkers } from './bench_pool.ts';
import { MAX_WORKERS } from '../eval/pool.ts';
import { storedSomething } from './storage_panel.ts';

export interface DirectRunOptions {
  backend?: string;
  /** A shipped model by name (src/recognize/registry.ts) instead of the model-file input. */
  model?: string;
  /** Allowed characters at decoding (src/text/allow.ts). */
  allow?: string;
  preset?: string;
  /** Dataset names for the files in the data-files input, in order. */
  names?: string[];
  /** Shard folders over HTTP, as `{ url, name }`. */
  urls?: { url: string; name: string }[];
  /** Order of the datasets as given ('file' = next data-files entry, 'url' = next of `urls`); default files then urls. */
  order?: ('file' | 'url')[];
  limit?: number;
  shard?: string;
  filtering?: 'dtrb' | 'off';
  batchSize?: number;
  keepPredictions?: boolean;
  /** Failures kept per dataset in the report (default 200). */
  keepFailures?: number;
  /** Bench workers sharing the run (default: the page's, see defaultWorkers). */
  workers?: number;
  /** Batches submitted ahead in each worker (default 2). */
  inFlight?: number;
  /** Decode each batch's images concurrently (default true). */
  parallelDecode?: boolean;
  /** JPEG bytes straight to the model's input in one pass (default true; BenchRunRequest['jpegInput']). */
  jpegInput?: boolean;
  /** Samples ordered by input width before batching (default 1024). */
  window?: number;
  /** Test hook: a worker dies when it reaches this sample (BenchRunRequest['testCrash']). */
  testCrash?: BenchRunRequest['testCrash'];
}

declare global {
  interface Window {
    webstrBench?: {
      state: string;
      progress: BenchProgress | null;
      reports: BenchReport[];
      error: { name: string; message: string } | null;
      runDirect(o: DirectRunOptions): Promise<BenchRunResult>;
    };
  }
}


const pct = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));

export interface RunnerOptions {
  pool: BenchPool;
  /** The page's dataset panel: its changes refresh the runner's dataset list. */
  datasets: DatasetsPanel;
  /** The backend the page's worker started (sets the default pool size). */
  backend: string;
}

export function mountBenchRunner(root: HTMLElement, api: Remote<BenchApi>, ingest: Remote<IngestApi>, { pool, backend, datasets }: RunnerOptions): void {
  const state: NonNullable<Window['webstrBench']> = { state: 'idle', progress: null, reports: [], error: null, runDirect: (o) => runDirect(o) };
  window.webstrBench = state;
  const setState = (s: string) => {
    state.state = s;
    document.body.dataset.bench = s;
  };
  setState('idle');
  const history = BenchHistory.open();

  // Models.
  const modelFile = el('input', { type: 'file', multiple: true, accept: '.onnx,.pth,.pt,.json,.bin', testid: 'model-file' });
  const preset = el('select', { testid: 'model-preset' }, ...Object.keys(PRESETS).map((p) => el('option', { value: p, textContent: p, selected: p === 'crnn-mv3-en' })));
  const modelName = el('input', { type: 'text', placeholder: 'name (default: file name)', testid: 'model-name' });
  const modelImport = el('button', { type: 'button', textContent: 'Import model', testid: 'model-import' });
  const modelStatus = el('div', { role: 'status', testid: 'model-status' });
  const modelList = el('div', { testid: 'models' });

  // Datasets and options.
  const datasetList = el('div', { testid: 'run-datasets' });
  const dataFiles = el('input', { type: 'file', multiple: true, accept: '.mdb', testid: 'data-files' });
  const limit = el('input', { type: 'number', min: '1', placeholder: 'all', testid: 'run-limit' });
  limit.style.width = '6rem';
  const filtering = el('select', { testid: 'run-filtering' }, el('option', { value: 'off', textContent: 'off: score every sample (as the onnxruntime reference)' }), el('option', { value: 'dtrb', textContent: 'DTRB: drop labels > 25 chars or outside [0-9a-z]' }));
  const batchSize = el('input', { type: 'number', min: '1', value: '64', testid: 'run-batch' });
  batchSize.style.width = '5rem';
  const poolSize = defaultWorkers(backend);
  const workers = el('input', { type: 'number', min: '1', max: String(MAX_WORKERS), value: String(poolSize), testid: 'run-workers' });
  workers.style.width = '4rem';
  workers.title = 'bench workers sharing the run (one core each on wasm)';
  if (poolSize > 1) void pool.warm(poolSize, requestedBackend());
  const start = el('button', { type: 'button', textContent: 'Run', testid: 'run-start' });
  const cancel = el('button', { type: 'button', textContent: 'Cancel', disabled: true, testid: 'run-cancel' });
  const bar = el('progress', { max: 1, value: 0, testid: 'run-progress', ariaLabel: 'Evaluation progress' });
  bar.style.width = '20rem';
  const status = el('div', { role: 'status', testid: 'run-status' });
  status.setAttribute('aria-live', 'polite');

  // Results.
  const results = el('div', { testid: 'results' });
  const chart = el('div', { testid: 'chart-box' }, accuracyChart([]));
  const exportJson = el('button', { type: 'button', textContent: 'Export JSON', disabled: true, testid: 'export-json' });
  const exportCsv = el('button', { type: 'button', textContent: 'Export CSV', disabled: true, testid: 'export-csv' });
  const exportFailures = el('button', { type: 'button', textContent: 'Export failures CSV', disabled: true, testid: 'export-failures' });
  const failureFilter = el('select', { testid: 'failure-filter' });
  const gallery = el('div', { testid: 'failures' });
  const historyList = el('div', { testid: 'history' });

  root.append(
    el('h3', { textContent: 'Models' }),
    el('p', {}, el('label', {}, 'Weights (.onnx, a PyTorch .pth, or model.json + weights.bin) ', modelFile), ' ', el('label', {}, 'preset ', preset), ' ', modelName, ' ', modelImport),
    modelStatus,
    modelList,
    el('h3', { textContent: 'Datasets to evaluate' }),
    datasetList,
    el('p', {}, el('label', {}, 'or LMDB files read in place (not imported) ', dataFiles)),
    el('p', {}, el('label', {}, 'limit per dataset ', limit), ' ', el('label', {}, 'filtering ', filtering), ' ', el('label', {}, 'batch ', batchSize), ' ', el('label', {}, 'workers ', workers)),
    el('p', {}, start, ' ', cancel, ' ', bar),
    status,
    el('h3', { textContent: 'Results' }),
    results,
    chart,
    el('p', {}, exportJson, ' ', exportCsv, ' ', exportFailures),
    el('h3', { textContent: 'Failures' }),
    el('p', {}, el('label', {}, 'dataset ', failureFilter)),
    gallery,
    el('h3', { textContent: 'History' }),
    historyList,
  );

  let shown: { reports: BenchReport[]; images: Uint8Array[][] } = { reports: [], images: [] };
  let galleryUrls: string[] = [];

  const renderGallery = () => {
    for (const u of galleryUrls) URL.revokeObjectURL(u);
    galleryUrls = [];
    const which = failureFilter.value;
    const figures: HTMLElement[] = [];
    shown.reports.forEach((rep, k) =>
      rep.failures.forEach((f, i) => {
        if (which !== '' && f.dataset !== which) return;
        const bytes = shown.images[k]?.[i];
        const img = el('img', { alt: f.label, height: 32 });
        if (bytes !== undefined && bytes.length > 0) {
          const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
          galleryUrls.push(url);
          img.src = url;
        }
        const fig = el('figure', { testid: 'failure' }, img, el('figcaption', {}, `${f.dataset} #${f.index}`, el('br'), 'label ', el('b', { textContent: f.label }), el('br'), 'read ', el('b', { textContent: f.prediction || '∅' }), ` (${f.confidence.toFixed(2)})`, ...(f.error !== undefined ? [el('br'), el('span', { className: 'error', textContent: f.error })] : [])));
        fig.dataset.dataset = f.dataset;
        figures.push(fig);
      }),
    );
    const grid = el('div', {}, ...figures);
    grid.style.cssText = 'display:flex;flex-wrap:wrap;gap:0.5rem';
    gallery.replaceChildren(el('p', { textContent: `${figures.length} failures shown (at most 200 kept per dataset)` }), grid);
  };
  failureFilter.addEventListener('change', renderGallery);

  const resultTable = (rep: BenchReport): HTMLElement => {
    const names = rep.summary.datasets.map((d) => d.dataset);
    const publishedCols = rep.published.filter((p) => !p.reference && names.some((n) => { const s = benchmarkSet(n); return s !== undefined && p.sets[s] !== undefined; }));
    const head = ['dataset', 'samples', 'filtered', 'accuracy', 'case-sens.', '1-NED', 'words/s', 'reference', ...publishedCols.map((p) => p.label)];
    const rows = rep.summary.datasets.map((d) => {
      const set = benchmarkSet(d.dataset);
      const ref = rep.references[d.dataset];
      const tr = el('tr', {}, el('td', { textContent: d.dataset }), ...[String(d.samples), String(d.filtered), pct(d.accuracy), pct(d.accuracyCaseSensitive), d.oneMinusNed.toFixed(4), d.wordsPerSecond.toFixed(1), pct(ref), ...publishedCols.map((p) => pct(set === undefined ? undefined : p.sets[set]))].map((t) => el('td', { className: 'num', textContent: t })));
      tr.dataset.dataset = d.dataset;
      tr.dataset.accuracy = d.accuracy.toFixed(2);
      const verdict = referenceVerdict(d.accuracy, d.samples, ref, rep.options);
      if (verdict !== null) tr.className = verdict;
      if (verdict === 'partial') {
        // The reference scored the whole set; this run only part of it: shown, not judged.
        const cell = tr.children[7] as HTMLElement;
        cell.textContent = `${pct(ref)} (full set)`;
        cell.title = `the reference scored the whole set; this run scored ${d.samples} samples, so it is not judged against it`;
      }
      return tr;
    });
    const w = rep.summary.weighted;
    const m = rep.summary.unweightedMean;
    const total = el('tr', {}, el('th', { textContent: 'total (sample-weighted, as DTRB)' }), ...[String(w.samples), '', pct(w.accuracy), pct(w.accuracyCaseSensitive), w.oneMinusNed.toFixed(4), '', '', ...publishedCols.map(() => '')].map((t) => el('td', { className: 'num', textContent: t })));
    total.dataset.total = 'weighted';
    const mean = el('tr', {}, el('th', { textContent: 'mean (unweighted, as MindOCR)' }), ...['', '', pct(m.accuracy), pct(m.accuracyCaseSensitive), m.oneMinusNed.toFixed(4), '', '', ...publishedCols.map((p) => (p.average !== undefined ? `${p.average.value} (${p.average.kind})` : ''))].map((t) => el('td', { className: 'num', textContent: t })));
    mean.dataset.total = 'mean';
    const o = rep.options;
    return el(
      'div',
      { testid: 'result' },
      el('h4', { textContent: `${rep.run.model} (${rep.run.preset}) · ${rep.run.backend} · filtering ${o.filtering}${o.limit !== null ? ` · limit ${o.limit}` : ''}${o.shard !== null ? ` · shard ${o.shard}` : ''} · ${rep.run.seconds.toFixed(1)} s · ${rep.run.startedAt.slice(0, 19).replace('T', ' ')}` }),
      el('table', { testid: 'result-table' }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { textContent: h })))), el('tbody', {}, ...rows, total, mean)),
      ...(rep.published.length > 0 ? [el('p', { className: 'reason', textContent: `Published (docs/models.md §9): ${rep.published.map((p) => `${p.label} [${p.source}]`).join('; ')}. Reference = same weights under onnxruntime, every sample scored.` })] : []),
    );
  };

  const show = (reports: BenchReport[], images: Uint8Array[][]) => {
    shown = { reports, images };
    state.reports = reports;
    results.replaceChildren(...reports.map(resultTable));
    chart.replaceChildren(accuracyChart(reports));
    const sets = [...new Set(reports.flatMap((r) => r.summary.datasets.map((d) => d.dataset)))];
    failureFilter.replaceChildren(el('option', { value: '', textContent: 'all' }), ...sets.map((s) => el('option', { value: s, textContent: s })));
    for (const b of [exportJson, exportCsv, exportFailures]) b.disabled = reports.length === 0;
    renderGallery();
  };

  exportJson.addEventListener('click', () => download('webstr-eval.json', JSON.stringify(shown.reports.length === 1 ? shown.reports[0] : shown.reports, null, 2) + '\n', 'application/json'));
  exportCsv.addEventListener('click', () => download('webstr-eval.csv', shown.reports.map((r, i) => (i === 0 ? reportCsv(r) : reportCsv(r).split('\n').slice(1).join('\n'))).join(''), 'text/csv'));
  exportFailures.addEventListener('click', () => download('webstr-failures.csv', failuresCsv(shown.reports.flatMap((r) => r.failures)), 'text/csv'));

  const refreshHistory = async () => {
    const runs = await (await history).list();
    historyList.replaceChildren(
      runs.length === 0
        ? el('p', { textContent: 'no runs yet' })
        : el(
            'table',
            {},
            el('thead', {}, el('tr', {}, ...['when', 'model', 'backend', 'datasets', 'total (sample-weighted)', 'mean (unweighted)', ''].map((h) => el('th', { textContent: h })))),
            el(
              'tbody',
              {},
              ...runs.map((r: HistoryRun) => {
                const open = el('button', { type: 'button', textContent: 'Show' });
                const del = el('button', { type: 'button', textContent: 'Delete' });
                open.addEventListener('click', () => show([r.report], [r.failureImages]));
                del.addEventListener('click', () => void (async () => { await (await history).delete(r.id!); await refreshHistory(); })());
                const s = r.report.summary;
                const tr = el('tr', {}, ...[r.savedAt.slice(0, 19).replace('T', ' '), r.report.run.model, r.report.run.backend, s.datasets.map((d) => d.dataset).join(', '), pct(s.weighted.accuracy), pct(s.unweightedMean.accuracy)].map((t) => el('td', { textContent: t })), el('td', {}, open, ' ', del));
                tr.dataset.runId = String(r.id);
                tr.dataset.model = r.report.run.model;
                return tr;
              }),
            ),
          ),
    );
    document.body.dataset.history = String(runs.length);
  };

  let shipped: ShippedListing[] | null = null;
  const MODELS_PREF = 'webstr.bench.models';
  const remembered = (): string[] => {
    try {
      const v = JSON.parse(localStorage.getItem(MODELS_PREF) ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
    } catch {
      return [];
    }
  };
  const rememberChecked = (): void => {
    const keys = [...modelList.querySelectorAll<HTMLInputElement>('input[name=model]:checked')].map((i) => i.value);
    localStorage.setItem(MODELS_PREF, JSON.stringify(keys));
  };
  /**
   * Lists the shipped models, then the stored ones. Checked: what was checked (or, on first render, what was
   * checked at the last visit), plus `check` (a fresh import, which alone is checked when nothing else was
   * chosen by hand); with nothing chosen, the first model (the most accurate shipped one).
   */
  const refreshModels = async (check?: string) => {
    const boxes = [...modelList.querySelectorAll<HTMLInputElement>('input[name=model]')];
    const prev = new Set(boxes.length === 0 ? remembered() : boxes.filter((i) => i.checked && (check === undefined || i.dataset.auto !== 'true')).map((i) => i.value));
    if (check !== undefined) prev.add(check);
    shipped ??= await fetchShippedModels();
    const models = await api.listModels();
    const keys = [...shipped.map((m) => shippedKey(m.name)), ...models.map((m) => m.key)];
    const auto = [...prev].some((k) => keys.includes(k)) ? null : (keys[0] ?? null);
    const box = (key: string) => {
      const b = el('input', { type: 'checkbox', name: 'model', value: key, checked: prev.has(key) || key === auto });
      if (key === auto) b.dataset.auto = 'true';
      b.addEventListener('change', () => {
        delete b.dataset.auto;
        rememberChecked();
      });
      return b;
    };
    modelList.replaceChildren(
      keys.length === 0
        ? el('p', { textContent: 'no models yet: import one above' })
        : el(
            'ul',
            {},
            ...shipped.map((m) => {
              const li = el('li', {}, el('label', {}, box(shippedKey(m.name)), ` ${m.name} (${m.preset}, ${(m.bytes / 1e6).toFixed(1)} MB, shipped: ${m.license})`));
              li.dataset.model = m.name;
              return li;
            }),
            ...models.map((m: StoredModel) => {
              const del = el('button', { type: 'button', textContent: 'Delete' });
              del.addEventListener('click', () => void api.deleteModel(m.key).then(() => refreshModels()));
              const li = el('li', {}, el('label', {}, box(m.key), ` ${m.name} (${m.preset}, ${(m.bytes / 1e6).toFixed(1)} MB, ${m.savedAt.slice(0, 19).replace('T', ' ')})`), ' ', del);
              li.dataset.model = m.name;
              return li;
            }),
          ),
    );
    if (check !== undefined) rememberChecked();
    document.body.dataset.models = String(keys.length);
  };

  const refreshDatasets = async () => {
    const prev = new Set([...datasetList.querySelectorAll<HTMLInputElement>('input[name=dataset]:checked')].map((i) => i.value));
    const list = await ingest.list();
    datasetList.replaceChildren(
      list.length === 0
        ? el('p', { textContent: 'none imported (import above, or pick LMDB files below)' })
        : el(
            'p',
            {},
            ...list.map((d) => {
              const box = el('input', { type: 'checkbox', name: 'dataset', value: d.id, checked: prev.has(d.id) });
              box.dataset.name = d.name;
              const l = el('label', {}, box, ` ${d.name} (${d.samples}) `);
              l.dataset.runDataset = d.name;
              return l;
            }),
          ),
    );
  };
  datasets.onChange(() => void refreshDatasets());

  // A .pth lists only the presets it fits, and the model read from it first; what fits nothing says why in one line.
  // An import clicked while the chosen file is still being checked waits for the check (else it would use the old list).
  let inspecting: Promise<void> = Promise.resolve();
  modelFile.addEventListener('change', () => {
    const pth = [...(modelFile.files ?? [])].find((f) => modelFileKind(f.name) === 'pth');
    if (pth === undefined) {
      fillPresetSelect(preset, presetChoices(null, Object.keys(PRESETS)), 'crnn-mv3-en');
      inspecting = Promise.resolve();
      return;
    }
    modelStatus.textContent = `reading ${pth.name}…`;
    inspecting = api.inspectModel(pth).then(
      (fit) => {
        const choices = presetChoices(fit, Object.keys(PRESETS));
        fillPresetSelect(preset, choices, '');
        modelStatus.textContent = choices.length > 0 ? `${pth.name}: ${choices.map((c) => c.label).join(', ')}` : '';
        if (choices.length === 0) modelStatus.replaceChildren(el('span', { className: 'error', textContent: `CheckpointStructureError: ${fit.mismatch ?? 'fits no model webstr builds'}` }));
      },
      (err: unknown) => {
        const e = describeError(err);
        fillPresetSelect(preset, []);
        modelStatus.replaceChildren(el('span', { className: 'error', textContent: `${e.name}: ${e.message}` }));
      },
    );
  });

  modelImport.addEventListener('click', () => void importChosen());
  const importChosen = async (): Promise<void> => {
    const files = [...(modelFile.files ?? [])];
    if (files.length === 0) {
      modelStatus.textContent = 'pick an .onnx file, or model.json and weights.bin';
      return;
    }
    document.body.dataset.modelImport = 'running';
    await inspecting;
    if (preset.disabled) {
      document.body.dataset.modelImport = 'error';
      return;
    }
    modelStatus.textContent = `importing ${files.map((f) => f.name).join(', ')} as ${preset.value === '' ? 'the model it describes' : preset.value}…`;
    void api.importModel(files, preset.value, modelName.value.trim() || undefined).then(
      async (m) => {
        modelStatus.textContent = `stored ${m.name} (${m.preset}) in this browser`;
        await refreshModels(m.key);
        void storedSomething();
        document.body.dataset.modelImport = 'done';
      },
      (err: unknown) => {
        const e = describeError(err);
        modelStatus.replaceChildren(el('span', { className: 'error', textContent: `${e.name}: ${e.message}` }));
        document.body.dataset.modelImport = 'error';
      },
    );
  };

  const onProgress = (p: BenchProgress) => {
    state.progress = p;
    bar.value = p.totalAll > 0 ? p.doneAll / p.totalAll : 0;
    status.textContent = `${p.dataset}: ${p.done}/${p.total} · all ${p.doneAll}/${p.totalAll} · ${p.wordsPerSecond.toFixed(1)} words/s · ETA ${Number.isFinite(p.etaSeconds) ? `${p.etaSeconds.toFixed(0)} s` : '…'}`;
  };

  let cancelRequested = false;
  /** Runs each request in turn over `n` workers; shows and stores the reports. */
  const runAll = async (requests: BenchRunRequest[], n: number): Promise<BenchRunResult[]> => {
    setState('running');
    state.error = null;
    start.disabled = true;
    cancel.disabled = false;
    const out: BenchRunResult[] = [];
    cancelRequested = false;
    try {
      for (const req of requests) {
        // A cancel between two models' runs (no pool running) stops the rest too.
        if (cancelRequested) throw new DOMException('evaluation cancelled', 'AbortError');
        status.textContent = `starting ${req.modelLabel} on ${req.backend} (${n} worker${n > 1 ? 's' : ''})…`;
        out.push(await pool.run(req, n, onProgress));
        show(out.map((o) => o.report), out.map((o) => o.failureImages));
      }
      // Every result is in: from here on there is nothing left to cancel.
      cancel.disabled = true;
      const h = await history;
      for (const o of out) await h.add({ savedAt: new Date().toISOString(), report: o.report, failureImages: o.failureImages });
      await refreshHistory();
      const crashes = out.flatMap((o) => o.crashes ?? []);
      const crashText = crashes.length === 0 ? '' : ` · ${crashes.length} worker crash${crashes.length > 1 ? 'es' : ''}, restarted (${crashes.map((c) => (c.index === null ? `${c.suspects ?? 0} in flight, re-run one by one` : `${c.dataset} #${c.index} failed`)).join(', ')})`;
      status.textContent = `done: ${out.map((o) => `${o.report.run.model} ${o.report.summary.weighted.samples} samples in ${o.report.run.seconds.toFixed(1)} s`).join('; ')}${crashText}`;
      setState('done');
      return out;
    } catch (err) {
      const e = describeError(err);
      state.error = e;
      setState(e.name === 'AbortError' ? 'cancelled' : 'error');
      const span = el('span', { className: 'error', testid: 'error', textContent: `${e.name}: ${e.message}` });
      span.dataset.errorName = e.name;
      status.replaceChildren(span);
      throw err;
    } finally {
      start.disabled = false;
      cancel.disabled = true;
    }
  };

  const options = () => ({
    limit: limit.value === '' ? undefined : Math.max(1, Number(limit.value)),
    filtering: filtering.value as 'dtrb' | 'off',
    batchSize: Math.max(1, Number(batchSize.value) || 64),
  });
  const workerCount = (): number => Math.min(MAX_WORKERS, Math.max(1, Math.floor(Number(workers.value)) || poolSize));

  const nameOf = (f: File) => (f.webkitRelativePath ? (f.webkitRelativePath.split('/').slice(-2, -1)[0] ?? f.name) : f.name.replace(/\.mdb$/, ''));

  start.addEventListener('click', () => {
    const models = [...modelList.querySelectorAll<HTMLInputElement>('input[name=model]:checked')].map((i) => i.value);
    const datasets: BenchDataSource[] = [
      ...[...datasetList.querySelectorAll<HTMLInputElement>('input[name=dataset]:checked')].map((i) => ({ kind: 'indexeddb' as const, id: i.value, name: i.dataset.name ?? i.value })),
      ...[...(dataFiles.files ?? [])].map((f) => ({ kind: 'file' as const, file: f, name: nameOf(f) })),
    ];
    if (models.length === 0 || datasets.length === 0) {
      status.textContent = 'choose at least one model and one dataset';
      return;
    }
    const reqs = models.map((key): BenchRunRequest => {
      const name = shippedName(key);
      return { model: name !== null ? { kind: 'shipped', name } : { kind: 'indexeddb', key }, modelLabel: name ?? storedModelName(key), backend: requestedBackend(), datasets, ...options() };
    });
    runAll(reqs, workerCount()).catch(() => undefined);
  });
  cancel.addEventListener('click', () => {
    cancelRequested = true;
    void pool.cancel();
  });

  const runDirect = async (o: DirectRunOptions): Promise<BenchRunResult> => {
    const files = [...(modelFile.files ?? [])];
    if (o.model === undefined && files.length === 0) throw new Error('runDirect: set the model-file input first (or name a shipped model)');
    const data = [...(dataFiles.files ?? [])];
    const fromFiles = data.map((f, i): BenchDataSource => ({ kind: 'file', file: f, name: o.names?.[i] ?? nameOf(f) }));
    const fromUrls = (o.urls ?? []).map((u): BenchDataSource => ({ kind: 'url', ...u }));
    const datasets: BenchDataSource[] = o.order === undefined ? [...fromFiles, ...fromUrls] : o.order.map((k) => (k === 'file' ? fromFiles.shift() : fromUrls.shift())).filter((d): d is BenchDataSource => d !== undefined);
    const onnx = files.find((f) => modelFileKind(f.name) === 'onnx');
    const backendName = o.backend ?? requestedBackend();
    const n = o.workers ?? (o.backend === undefined ? workerCount() : defaultWorkers(backendName === 'auto' ? backend : backendName));
    const [r] = await runAll([
      {
        model: o.model !== undefined ? { kind: 'shipped', name: o.model } : { kind: 'files', files, ...(o.preset !== undefined ? { preset: o.preset } : {}) },
        modelLabel: o.model ?? (onnx ?? files[0]!).name,
        allow: o.allow ?? null,
        backend: backendName,
        datasets,
        limit: o.limit,
        shard: o.shard,
        filtering: o.filtering ?? 'off',
        batchSize: o.batchSize,
        keepPredictions: o.keepPredictions,
        ...(o.keepFailures !== undefined ? { keepFailures: o.keepFailures } : {}),
        inFlight: o.inFlight,
        parallelDecode: o.parallelDecode,
        ...(o.jpegInput !== undefined ? { jpegInput: o.jpegInput } : {}),
        window: o.window,
        ...(o.testCrash !== undefined ? { testCrash: o.testCrash } : {}),
      },
    ], n);
    return r!;
  };

  void refreshModels();
  void refreshDatasets();
  void refreshHistory();
}
