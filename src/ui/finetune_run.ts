/**
 * The run panel of finetune.html: start / pause / resume / stop, progress bar, throughput, ETA, the live
 * curves, the before/after evaluation table, export (into this browser's model list, or as a download)
 * and the list of earlier runs. On load it re-attaches to the unfinished run, if any: the trainer worker
 * continues it from its last checkpoint and the page says "resumed from step k".
 * State for tests and scripts: `body[data-train]` (idle|starting|running|paused|stopped|done|failed)
 * and `window.webstrTrain`.
 */
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { TrainerApi } from '../../workers/trainer.ts';
import type { RunView, StartRequest, TrainerEvent } from '../../workers/trainer_api.ts';
import type { TrainEvaluation, TrainLogEntry } from '../train/types.ts';
import { mountTrainCharts } from './finetune_chart.ts';
import type { RecipeForm } from './finetune_form.ts';
import { describeError } from './runtime_client.ts';
import { download, el } from './dom.ts';
import { storedSomething } from './storage_panel.ts';

declare global {
  interface Window {
    webstrTrain?: {
      state: string;
      runId: string | null;
      last: TrainerEvent | null;
      resumedFrom: number | null;
      checkpointStep: number | null;
      evaluations: TrainEvaluation[];
      exported: string[];
      error: { name: string; message: string } | null;
      /** The last notice of the run (the GPU was lost and the run went on on wasm). */
      notice: string | null;
      /** The run's losses so far, one per step (the loss curve's data). */
      losses: number[];
      /** Starts a run directly (scripts): same path as the Start button. */
      start(req: StartRequest): Promise<RunView>;
      /** Test hook: destroys the trainer worker's WebGPU device, as a driver reset would. */
      simulateDeviceLoss(): Promise<unknown>;
    };
  }
}

const pct = (v: number) => v.toFixed(2);

function fmtSec(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '…';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** `onWorkerCrash` subscribes to the trainer worker's death (src/ui/worker_client.ts): the run shows the
 *  WorkerCrashedError and is failed; it continues from its last checkpoint with "Continue". */
export function mountRunPanel(root: HTMLElement, api: Remote<TrainerApi>, form: RecipeForm, onModelsChanged: () => Promise<void>, onWorkerCrash?: (listener: (err: Error) => void) => void): Promise<void> {
  const state: NonNullable<Window['webstrTrain']> = { state: 'idle', runId: null, last: null, resumedFrom: null, checkpointStep: null, evaluations: [], exported: [], error: null, notice: null, losses: [], start: (r) => start(r), simulateDeviceLoss: () => api.simulateDeviceLoss() };
  window.webstrTrain = state;
  const setState = (s: string) => {
    state.state = s;
    document.body.dataset.train = s;
    startBtn.disabled = !(s === 'idle' || s === 'done' || s === 'stopped' || s === 'failed');
    pauseBtn.disabled = s !== 'running';
    resumeBtn.disabled = s !== 'paused';
    stopBtn.disabled = !(s === 'running' || s === 'paused');
    form.setDisabled(!startBtn.disabled ? false : true);
  };

  const startBtn = el('button', { type: 'button', textContent: 'Start', testid: 'train-start' });
  const pauseBtn = el('button', { type: 'button', textContent: 'Pause', testid: 'train-pause' });
  const resumeBtn = el('button', { type: 'button', textContent: 'Resume', testid: 'train-resume' });
  const stopBtn = el('button', { type: 'button', textContent: 'Stop', testid: 'train-stop' });
  const bar = el('progress', { max: 1, value: 0, testid: 'train-progress', ariaLabel: 'Training progress' });
  bar.style.width = '20rem';
  const banner = el('p', { testid: 'resume-banner', role: 'status' });
  const notice = el('p', { testid: 'train-notice', role: 'status' });
  const status = el('div', { role: 'status', testid: 'train-status' });
  status.setAttribute('aria-live', 'polite');
  const chartsBox = el('div', { testid: 'charts' });
  const evalBox = el('div', { testid: 'evaluations' });
  const which = el('select', { testid: 'export-which' }, el('option', { value: 'latest', textContent: 'latest checkpoint' }), el('option', { value: 'best', textContent: 'best checkpoint (validation)' }));
  const exportName = el('input', { type: 'text', placeholder: 'name (default: base-ft-step)', testid: 'export-name', ariaLabel: 'Name of the exported model' });
  const exportBtn = el('button', { type: 'button', textContent: 'Save to this browser', disabled: true, testid: 'export-idb' });
  const downloadBtn = el('button', { type: 'button', textContent: 'Download model.json + weights.bin', disabled: true, testid: 'export-download' });
  const exportStatus = el('div', { role: 'status', testid: 'export-status' });
  const runsBox = el('div', { testid: 'runs' });

  root.append(
    el('p', {}, startBtn, ' ', pauseBtn, ' ', resumeBtn, ' ', stopBtn, ' ', bar),
    banner,
    notice,
    status,
    chartsBox,
    el('h3', { textContent: 'Evaluation (before / after)' }),
    evalBox,
    el('h3', { textContent: 'Export' }),
    el('p', {}, el('label', {}, 'weights of the ', which), ' ', exportName, ' ', exportBtn, ' ', downloadBtn),
    exportStatus,
    el('h3', { textContent: 'Runs in this browser' }),
    runsBox,
  );
  const charts = mountTrainCharts(chartsBox);

  const showError = (target: HTMLElement, err: unknown) => {
    const e = describeError(err);
    const span = el('span', { className: 'error', testid: 'error', textContent: `${e.name}: ${e.message}` });
    span.dataset.errorName = e.name;
    target.replaceChildren(span);
    return e;
  };

  const renderEvaluations = (evs: TrainEvaluation[]) => {
    state.evaluations = evs;
    const before = evs.find((e) => e.label === 'before');
    const after = evs.filter((e) => e.label === 'after').at(-1);
    const steps = evs.filter((e) => e.label === 'step');
    if (evs.length === 0) {
      evalBox.replaceChildren(el('p', { textContent: 'no evaluation yet (choose a validation set)' }));
      return;
    }
    const row = (label: string, e: TrainEvaluation | undefined, delta?: number) => {
      const tr = el('tr', {}, el('th', { textContent: label }), ...[e === undefined ? '–' : String(e.step), e?.dataset ?? '–', e === undefined ? '–' : String(e.samples), e === undefined ? '–' : pct(e.accuracy), e === undefined ? '–' : e.ned.toFixed(4), delta === undefined ? '' : `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`].map((t) => el('td', { className: 'num', textContent: t })));
      tr.dataset.eval = label;
      if (e !== undefined) tr.dataset.accuracy = pct(e.accuracy);
      return tr;
    };
    evalBox.replaceChildren(
      el(
        'table',
        { testid: 'eval-table' },
        el('thead', {}, el('tr', {}, ...['', 'step', 'dataset', 'samples', 'accuracy %', '1-NED', 'Δ accuracy'].map((h) => el('th', { textContent: h })))),
        el('tbody', {}, row('before', before), ...steps.map((e) => row(`step ${e.step}`, e, before === undefined ? undefined : e.accuracy - before.accuracy)), row('after', after, before === undefined || after === undefined ? undefined : after.accuracy - before.accuracy)),
      ),
    );
  };

  let lastRun: RunView | null = null;

  const refreshRuns = async () => {
    const runs = await api.listRuns();
    runsBox.replaceChildren(
      runs.length === 0
        ? el('p', { textContent: 'no runs yet' })
        : el(
            'table',
            { testid: 'runs-table' },
            el('thead', {}, el('tr', {}, ...['started', 'base', 'status', 'step', 'best', 'before → after', 'exported', ''].map((h) => el('th', { textContent: h })))),
            el(
              'tbody',
              {},
              ...runs.map((r) => {
                const before = r.evaluations.find((e) => e.label === 'before');
                const after = r.evaluations.filter((e) => e.label === 'after').at(-1);
                const show = el('button', { type: 'button', textContent: 'Show' });
                show.addEventListener('click', () => {
                  lastRun = r;
                  state.runId = r.runId;
                  renderEvaluations(r.evaluations);
                  exportBtn.disabled = downloadBtn.disabled = r.step === 0;
                  status.textContent = `run ${r.runId}: ${r.status} at step ${r.step}/${r.steps}`;
                });
                const cont = el('button', { type: 'button', textContent: 'Continue', disabled: !(r.status === 'stopped' || r.status === 'failed') || r.step >= r.steps });
                cont.addEventListener('click', () => void resumeRun(r.runId));
                const del = el('button', { type: 'button', textContent: 'Delete' });
                del.addEventListener('click', () => void api.deleteRun(r.runId).then(refreshRuns, (err: unknown) => showError(status, err)));
                const tr = el(
                  'tr',
                  {},
                  ...[r.createdAt.slice(0, 19).replace('T', ' '), r.base, r.status, `${r.step}/${r.steps}`, r.best === null ? '–' : `${pct(r.best.accuracy)} @ ${r.best.step}`, before === undefined ? '–' : `${pct(before.accuracy)} → ${after === undefined ? '…' : pct(after.accuracy)}`, r.exported.map((k) => k.split('/').pop()).join(', ')].map((t) => el('td', { textContent: t })),
                  el('td', {}, show, ' ', cont, ' ', del),
                );
                tr.dataset.runId = r.runId;
                tr.dataset.status = r.status;
                return tr;
              }),
            ),
          ),
    );
    document.body.dataset.runs = String(runs.length);
  };

  const onEvent = (e: TrainerEvent) => {
    state.last = e;
    state.runId = e.runId;
    if (e.resumedFrom !== undefined) {
      state.resumedFrom = e.resumedFrom;
      banner.textContent = e.resumedFrom > 0 ? `Resumed from step ${e.resumedFrom} (the last checkpoint before the page was closed).` : 'Restarted from step 0 (no checkpoint had been written yet).';
      banner.dataset.step = String(e.resumedFrom);
    }
    for (const x of e.entries) {
      charts.add(x);
      state.losses[x.step - 1] = x.loss;
    }
    if (e.evaluation !== undefined) {
      const ev = e.evaluation;
      charts.add({ step: ev.step, loss: NaN, lr: 0, samplesPerSec: 0, val: { accuracy: ev.accuracy, ned: ev.ned } });
      renderEvaluations([...state.evaluations.filter((x) => !(x.label === ev.label && x.step === ev.step)), ev]);
    }
    if (e.checkpointed !== undefined) {
      state.checkpointStep = e.checkpointed;
      status.dataset.checkpoint = String(e.checkpointed);
    }
    bar.value = e.totalSteps > 0 ? e.step / e.totalSteps : 0;
    bar.dataset.step = String(e.step);
    const loss = Number.isFinite(e.loss) ? e.loss.toFixed(4) : '–';
    const phase = e.phase === 'validating' ? 'validating…' : e.phase === 'checkpointing' ? 'writing a checkpoint…' : e.phase;
    status.textContent = `step ${e.step}/${e.totalSteps} · loss ${loss} · lr ${e.lr.toExponential(2)} · ${e.samplesPerSec.toFixed(1)} samples/s · ETA ${fmtSec(e.etaSec)} · ${phase}` + (state.checkpointStep !== null ? ` · last checkpoint at step ${state.checkpointStep}` : '');
    if (e.notice !== undefined) {
      state.notice = e.notice;
      notice.textContent = e.notice;
    }
    if (e.error !== undefined) {
      state.error = e.error;
      showError(status, Object.assign(new Error(e.error.message), { name: e.error.name }));
    }
    if (e.phase === 'done' || e.phase === 'stopped') {
      setState(e.status === 'stopped' ? 'stopped' : e.status === 'failed' ? 'failed' : 'done');
      exportBtn.disabled = downloadBtn.disabled = e.step === 0;
      void refreshRuns();
    } else if (e.phase === 'paused') setState('paused');
    else if (state.state !== 'paused' || e.phase === 'training') setState('running');
  };
  const proxied = Comlink.proxy(onEvent);

  const adopt = (view: RunView, history: TrainLogEntry[]) => {
    lastRun = view;
    state.runId = view.runId;
    charts.reset(history);
    state.losses = history.map((x) => x.loss);
    renderEvaluations(view.evaluations);
    exportBtn.disabled = downloadBtn.disabled = true;
  };

  const start = async (req: StartRequest): Promise<RunView> => {
    state.error = null;
    state.resumedFrom = null;
    state.checkpointStep = null;
    banner.textContent = '';
    notice.textContent = '';
    state.notice = null;
    delete banner.dataset.step;
    setState('starting');
    status.textContent = 'loading the base model and the datasets…';
    try {
      const view = await api.start(req, proxied);
      adopt(view, []);
      await refreshRuns();
      return view;
    } catch (err) {
      state.error = showError(status, err);
      setState('failed');
      throw err;
    }
  };

  const resumeRun = async (runId: string) => {
    setState('starting');
    status.textContent = `continuing run ${runId} from its last checkpoint…`;
    try {
      const r = await api.resumeRun(runId, proxied);
      adopt(r.view, r.history);
      await refreshRuns();
    } catch (err) {
      state.error = showError(status, err);
      setState('failed');
    }
  };

  startBtn.addEventListener('click', () => {
    let req: StartRequest;
    try {
      req = form.read();
    } catch (err) {
      state.error = showError(status, err);
      const f = (err as { field?: string }).field;
      if (f !== undefined) form.root.querySelector<HTMLElement>(`[data-testid="${f}"]`)?.focus();
      return;
    }
    start(req).catch(() => undefined);
  });
  pauseBtn.addEventListener('click', () => void api.pause());
  resumeBtn.addEventListener('click', () => void api.resume().then((ok) => ok && setState('running')));
  stopBtn.addEventListener('click', () => {
    status.textContent = 'stopping after the current step…';
    void api.stop();
  });

  const runExport = async (kind: 'idb' | 'download') => {
    const runId = state.runId ?? lastRun?.runId;
    if (runId === undefined || runId === null) return;
    exportStatus.textContent = kind === 'idb' ? 'saving…' : 'preparing the download…';
    try {
      if (kind === 'idb') {
        const m = await api.exportRun(runId, which.value as 'latest' | 'best', exportName.value.trim() || undefined);
        state.exported.push(m.key);
        exportStatus.textContent = `saved as ${m.name} (${m.preset}); the demo and benchmark pages list it`;
        exportStatus.dataset.exported = m.name;
        void storedSomething();
        await onModelsChanged();
        await refreshRuns();
      } else {
        const d = await api.downloadRun(runId, which.value as 'latest' | 'best');
        download(`${d.name}.json`, d.modelJson, 'application/json');
        download(`${d.name}.weights.bin`, d.weights, 'application/octet-stream');
        exportStatus.textContent = `downloaded ${d.name}.json and ${d.name}.weights.bin (the project's weight format; import both on any page)`;
      }
    } catch (err) {
      showError(exportStatus, err);
    }
  };
  exportBtn.addEventListener('click', () => void runExport('idb'));
  downloadBtn.addEventListener('click', () => void runExport('download'));

  onWorkerCrash?.((err) => {
    state.error = showError(status, err);
    if (state.state !== 'idle') setState('failed');
    void refreshRuns().catch(() => undefined);
  });

  setState('idle');
  renderEvaluations([]);
  // Nothing lost on reload: continue the unfinished run (its worker ended with the page).
  return (async () => {
    await refreshRuns();
    const attached = await api.attach(proxied);
    if (attached !== null) {
      adopt(attached.view, attached.history);
      setState(attached.view.status === 'paused' ? 'paused' : 'running');
      return;
    }
    const unfinished = await api.unfinished();
    if (unfinished !== null) await resumeRun(unfinished.runId);
  })();
}
