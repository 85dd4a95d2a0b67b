/**
 * Live training curves of finetune.html with uPlot (small, maintained, canvas): the loss per step with
 * a smoothed line, and validation accuracy per evaluation. Points are appended as progress arrives;
 * redraws are batched to one per animation frame. `data-points` / `data-val-points` on the boxes say how
 * many points are drawn (tests), and a text summary beside each chart keeps the numbers readable without
 * the canvas.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrainLogEntry } from '../train/types.ts';
import { el } from './dom.ts';

export interface TrainCharts {
  root: HTMLElement;
  /** Replaces everything (a run's history after a reload). */
  reset(history: readonly TrainLogEntry[]): void;
  add(entry: TrainLogEntry): void;
}

const SMOOTH = 0.9;

/** A scale range that is `[lo, hi]` before there is data, so the axes show from the start. */
function rangeOr(lo: number, hi: number, pad: boolean): uPlot.Range.Function {
  return (_u, min, max) => {
    if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return [lo, hi];
    if (min === max) return [min - (pad ? Math.abs(min) * 0.1 || 1 : 0), max + (Math.abs(max) * 0.1 || 1)];
    return pad ? uPlot.rangeNum(min, max, 0.1, true) : [min, max];
  };
}

export function mountTrainCharts(root: HTMLElement): TrainCharts {
  const lossBox = el('div', { testid: 'loss-chart' });
  const accBox = el('div', { testid: 'accuracy-chart' });
  const lossText = el('p', { testid: 'loss-summary', className: 'reason' });
  const accText = el('p', { testid: 'accuracy-summary', className: 'reason' });
  lossBox.setAttribute('role', 'img');
  lossBox.setAttribute('aria-label', 'training loss per step');
  accBox.setAttribute('role', 'img');
  accBox.setAttribute('aria-label', 'validation accuracy per evaluation');
  root.append(el('div', { className: 'charts' }, el('figure', {}, lossBox, el('figcaption', {}, 'Loss ', lossText)), el('figure', {}, accBox, el('figcaption', {}, 'Validation accuracy (%) ', accText))));

  const steps: number[] = [];
  const loss: number[] = [];
  const smooth: number[] = [];
  const vSteps: number[] = [];
  const vAcc: number[] = [];
  let ema: number | null = null;

  // Two charts side by side where the window allows, one above the other on a phone; never wider than the
  // window (the root may be as wide as the charts it holds, so the window bounds it too).
  const width = (): number => {
    const avail = Math.min(root.clientWidth || 900, window.innerWidth - 32);
    return Math.round(Math.max(200, Math.min(560, (window.innerWidth < 760 ? avail : avail / 2) - 24)));
  };
  const lossPlot = new uPlot(
    {
      width: width(),
      height: 220,
      scales: { x: { time: false, range: rangeOr(0, 100, false) }, y: { range: rangeOr(0, 1, true) } },
      axes: [{ label: 'step' }, { label: 'loss' }],
      series: [{ label: 'step' }, { label: 'loss', stroke: '#2f6fde88', width: 1 }, { label: 'smoothed', stroke: '#2f6fde', width: 2 }],
      legend: { show: true },
    },
    [[], [], []],
    lossBox,
  );
  const accPlot = new uPlot(
    {
      width: width(),
      height: 220,
      scales: { x: { time: false, range: rangeOr(0, 100, false) }, y: { range: [0, 100] } },
      axes: [{ label: 'step' }, { label: 'accuracy %' }],
      series: [{ label: 'step' }, { label: 'accuracy', stroke: '#1e8449', width: 2, points: { show: true, size: 6 } }],
      legend: { show: true },
    },
    [[], []],
    accBox,
  );

  let pending = false;
  const draw = () => {
    pending = false;
    lossPlot.setData([steps, loss, smooth]);
    accPlot.setData([vSteps, vAcc]);
    lossBox.dataset.points = String(steps.length);
    accBox.dataset.valPoints = String(vSteps.length);
    const last = steps.length - 1;
    lossText.textContent = last < 0 ? 'no steps yet' : `step ${steps[last]}: ${loss[last]!.toFixed(4)} (smoothed ${smooth[last]!.toFixed(4)}; first ${loss[0]!.toFixed(4)})`;
    accText.textContent = vSteps.length === 0 ? 'no evaluation yet' : vSteps.map((s, i) => `step ${s}: ${vAcc[i]!.toFixed(2)}%`).join(' · ');
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(draw);
  };
  const push = (e: TrainLogEntry) => {
    if (steps.length > 0 && e.step <= steps[steps.length - 1]!) {
      // A step seen again (events after a resume): keep the newer value.
      const i = steps.indexOf(e.step);
      if (i >= 0) {
        if (Number.isFinite(e.loss)) loss[i] = e.loss;
      }
    } else if (Number.isFinite(e.loss)) {
      ema = ema === null ? e.loss : SMOOTH * ema + (1 - SMOOTH) * e.loss;
      steps.push(e.step);
      loss.push(e.loss);
      smooth.push(ema);
    }
    if (e.val !== undefined && !vSteps.includes(e.step)) {
      vSteps.push(e.step);
      vAcc.push(e.val.accuracy);
    }
  };
  const charts: TrainCharts = {
    root,
    reset(history) {
      steps.length = loss.length = smooth.length = vSteps.length = vAcc.length = 0;
      ema = null;
      for (const e of history) push(e);
      schedule();
    },
    add(entry) {
      push(entry);
      schedule();
    },
  };
  const resize = (): void => {
    const w = width();
    lossPlot.setSize({ width: w, height: 220 });
    accPlot.setSize({ width: w, height: 220 });
  };
  new ResizeObserver(resize).observe(root);
  window.addEventListener('resize', resize);
  draw();
  return charts;
}

/** A validation point before any training step (the base model's accuracy at step 0). */
export function baselinePoint(accuracy: number, ned: number): TrainLogEntry {
  return { step: 0, loss: NaN, lr: 0, samplesPerSec: 0, val: { accuracy, ned } };
}
