/**
 * The demo's result list: one card per image (the image, the text with per-character confidence
 * colours, overall confidence, timings, backend; or the named error), and exports (text, JSON, CSV).
 */
import type { Recognition, RecognitionOutcome } from '../recognize/recognizer.ts';
import type { TransformConfig } from '../models/config.ts';
import type { ErrorInfo } from '../runtime/errors.ts';
import { el } from './dom.ts';

export interface DemoResult {
  /** 1-based order of arrival on the page. */
  index: number;
  file: string;
  bytes: number;
  outcome: ({ ok: true } & Recognition) | { ok: false; error: ErrorInfo };
}


const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;

/** Red (0) → amber → green (1) on a light background, so dark text keeps its contrast. */
export function confidenceColour(p: number): string {
  const hue = Math.round(Math.max(0, Math.min(1, p)) ** 2 * 120);
  return `hsl(${hue} 80% 82%)`;
}

export function totalMs(r: Recognition): number {
  const t = r.timings;
  return t.decodeMs + t.preprocessMs + t.inferMs + t.postprocessMs;
}

/** The per-character confidences as coloured spans (hidden from screen readers; the card's text says
 *  the lowest one instead). */
function charSpans(r: Recognition): HTMLElement {
  const wrap = el('span', { className: 'chars', testid: 'result-chars' });
  wrap.setAttribute('aria-hidden', 'true');
  [...r.text].forEach((ch, i) => {
    const p = r.charConfidences[i] ?? 0;
    const s = el('span', { className: 'char', textContent: ch === ' ' ? '\u00a0' : ch, title: `'${ch}': ${pct(p)}` });
    s.style.background = confidenceColour(p);
    s.dataset.conf = p.toFixed(4);
    wrap.append(s);
  });
  return wrap;
}

/** What the demo calls a model's rectified image, from its config; null for models without a transform
 *  (CRNN), which neither ask for nor show one. */
export function rectifiedLabel(transform: TransformConfig): string | null {
  switch (transform.kind) {
    case 'tps':
      return 'rectified by TPS';
    case 'gaspin':
      return 'after GA-SPIN';
    default:
      return null;
  }
}

/** The model's rectified input as a canvas at its own size (a 100×32 putImageData: no decode, no long
 *  task), labelled for screen readers. */
function rectifiedCanvas(img: NonNullable<Recognition['rectified']>, label: string): HTMLCanvasElement {
  const c = el('canvas', { className: 'rectified', width: img.width, height: img.height, testid: 'result-rectified' });
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', `${label} (${img.width}×${img.height})`);
  c.title = label;
  const data = img.data instanceof Uint8ClampedArray ? img.data : new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  c.getContext('2d')?.putImageData(new ImageData(data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
  return c;
}

/** `rectified`: the label of the model's transform (`rectifiedLabel`), null for none; the rectified image
 *  itself comes with the recognition. */
export function resultCard(r: DemoResult, imageUrl: string | null, rectified: string | null = null): HTMLLIElement {
  const li = el('li', { className: `result ${r.outcome.ok ? 'ok' : 'failed'}`, testid: 'result' });
  li.dataset.file = r.file;
  li.dataset.state = r.outcome.ok ? 'ok' : 'error';
  const figure = el('div', { className: 'thumb' });
  if (imageUrl !== null && r.outcome.ok) figure.append(el('img', { src: imageUrl, alt: `input image ${r.file}`, decoding: 'async', loading: 'lazy' }));
  else figure.append(el('span', { className: 'noimage', textContent: r.outcome.ok ? '' : '⚠' }));
  if (rectified !== null && r.outcome.ok && r.outcome.rectified !== undefined) {
    figure.append(rectifiedCanvas(r.outcome.rectified, rectified));
    figure.classList.add('pair'); // two images side by side (a class, not :has(), which restyles every card)
  }
  const body = el('div', { className: 'body' });
  const name = el('p', { className: 'file', textContent: `${r.index}. ${r.file}` });
  if (r.outcome.ok) {
    const o = r.outcome;
    li.dataset.text = o.text;
    const text = el('p', { className: 'text' });
    text.append(el('span', { className: 'visually-hidden', textContent: 'Text: ' }), charSpans(o), el('span', { className: 'visually-hidden', testid: 'result-text', textContent: o.text }));
    if (o.text === '') text.append(el('em', { textContent: '(no text found)' }));
    const low = o.charConfidences.length > 0 ? Math.min(...o.charConfidences) : 0;
    const lowAt = o.charConfidences.indexOf(low);
    const meta = el(
      'p',
      { className: 'meta' },
      el('span', { testid: 'result-confidence', textContent: `confidence ${pct(o.confidence)}` }),
      ' · ',
      el('span', {
        textContent: `${totalMs(o).toFixed(1)} ms`,
        title: `decode ${o.timings.decodeMs.toFixed(1)} ms, preprocess ${o.timings.preprocessMs.toFixed(1)} ms, model ${o.timings.inferMs.toFixed(1)} ms, decode CTC ${o.timings.postprocessMs.toFixed(2)} ms`,
      }),
      ` · ${o.backend}`,
    );
    if (o.charConfidences.length > 0) meta.append(el('span', { className: 'visually-hidden', textContent: ` · lowest character confidence ${pct(low)} at '${[...o.text][lowAt] ?? ''}'` }));
    body.append(name, text, meta);
    if (o.notice !== undefined) body.append(el('p', { className: 'notice', role: 'note', textContent: o.notice }));
  } else {
    const e = r.outcome.error;
    const p = el('p', { className: 'error', testid: 'result-error' }, el('strong', { textContent: e.name }), `: ${e.message}`);
    p.dataset.errorName = e.name;
    li.dataset.errorName = e.name;
    body.append(name, p);
  }
  li.append(figure, body);
  return li;
}

interface ExportRow {
  file: string;
  text?: string;
  confidence?: number;
  charConfidences?: number[];
  timings?: Recognition['timings'];
  backend?: string;
  error?: ErrorInfo;
}

export function exportRows(results: readonly DemoResult[]): ExportRow[] {
  return results.map((r) =>
    r.outcome.ok
      ? { file: r.file, text: r.outcome.text, confidence: r.outcome.confidence, charConfidences: r.outcome.charConfidences, timings: r.outcome.timings, backend: r.outcome.backend }
      : { file: r.file, error: r.outcome.error },
  );
}

export function toJson(results: readonly DemoResult[]): string {
  return `${JSON.stringify(exportRows(results), null, 2)}\n`;
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function toCsv(results: readonly DemoResult[]): string {
  const lines = ['file,text,confidence,total_ms,backend,error'];
  for (const r of results) {
    const o = r.outcome;
    const cells = o.ok ? [r.file, o.text, o.confidence.toFixed(6), totalMs(o).toFixed(2), o.backend, ''] : [r.file, '', '', '', '', `${o.error.name}: ${o.error.message}`];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Plain text for the clipboard: one `file<TAB>text` line per image. */
export function toText(results: readonly DemoResult[]): string {
  return results.map((r) => `${r.file}\t${r.outcome.ok ? r.outcome.text : `[${r.outcome.error.name}]`}`).join('\n');
}

export function outcomeOf(o: RecognitionOutcome | undefined): DemoResult['outcome'] {
  return o ?? { ok: false, error: { name: 'Error', message: 'the worker returned no result for this image' } };
}
