/**
 * The demo's results: the recognition queue's progress, one card per image as results arrive, and the
 * toolbar (copy, download JSON/CSV, clear). Writes the test marker `body[data-busy]`; nothing reads it back.
 */
import type { RecognitionOutcome } from '../recognize/recognizer.ts';
import { errorInfo } from '../runtime/errors.ts';
import { RecognitionQueue } from './demo_queue.ts';
import { confidenceColour, resultCard, toCsv, toJson, toText, type DemoResult } from './demo_results.ts';
import { download, el, part, showStatus } from './dom.ts';

/** Longest stretch of card drawing in one task (ms); the rest waits for the next task. */
const RENDER_BUDGET_MS = 8;

export interface ResultsPanel {
  /** Queues images for recognition (after those given before). */
  enqueue(files: File[]): void;
  /** Says what went wrong with an input (a drop or sample that could not be read). */
  inputError(err: unknown): void;
  /** Results, counts and busy state. */
  readonly queue: RecognitionQueue;
}

export interface ResultsDeps {
  /** Whether a model is ready, once a load in progress settles. */
  ready: () => Promise<boolean>;
  /** `rectified`: also return the image after the model's transform. */
  recognize: (files: File[], rectified: boolean) => Promise<RecognitionOutcome[]>;
  /** The loaded model's transform label; null: none (no rectified image asked for or shown). */
  rectified: () => string | null;
}

/** `root`: the page's <main> (#progress, #progress-text, #results, #results-title and the toolbar). */
export function mountResults(root: HTMLElement, deps: ResultsDeps): ResultsPanel {
  const list = part<HTMLOListElement>(root, 'results');
  const bar = part<HTMLProgressElement>(root, 'progress');
  const progressText = part(root, 'progress-text');
  const toolbarStatus = part(root, 'toolbar-status');
  const buttons = ['copy', 'download-json', 'download-csv', 'clear'].map((id) => part<HTMLButtonElement>(root, id));
  const [copy, json, csv, clear] = buttons as [HTMLButtonElement, HTMLButtonElement, HTMLButtonElement, HTMLButtonElement];
  /** Object URLs of the shown images, revoked on clear. */
  const urls: string[] = [];

  /** Cards waiting to be drawn: a chunk's results come at once, but the cards go into the page a few at
   *  a time, one short task each (RENDER_BUDGET_MS), so that the page never stalls (no long task) on a
   *  large drop. `body[data-busy]` stays true until the last card is in. */
  const pending: { result: DemoResult; file: File; rectified: string | null }[] = [];
  let drawing = false;
  const drawSome = (): void => {
    const start = performance.now();
    const batch = document.createDocumentFragment();
    while (pending.length > 0 && (batch.childNodes.length === 0 || performance.now() - start < RENDER_BUDGET_MS)) {
      const { result, file, rectified } = pending.shift()!;
      let url: string | null = null;
      if (result.outcome.ok) {
        url = URL.createObjectURL(file);
        urls.push(url);
      }
      batch.append(resultCard(result, url, rectified));
    }
    list.append(batch);
    drawing = pending.length > 0;
    if (drawing) setTimeout(drawSome, 0);
    update();
  };

  const queue = new RecognitionQueue({
    ready: deps.ready,
    recognize: (files) => deps.recognize(files, deps.rectified() !== null),
    onResults: (items) => {
      const rectified = deps.rectified();
      for (const { result, file } of items) pending.push({ result, file, rectified });
      if (!drawing) {
        drawing = true;
        setTimeout(drawSome, 0);
      }
      update();
    },
  });

  const update = (): void => {
    const { done, queued, results } = queue;
    bar.max = Math.max(1, queued);
    bar.value = done;
    const failed = results.filter((r) => !r.outcome.ok).length;
    const last = results.at(-1);
    const lastText = last?.outcome.ok === true ? ` Last: "${last.outcome.text}".` : '';
    progressText.textContent =
      queued === 0 ? 'No images yet.' : done < queued ? `Recognising ${done} of ${queued}…` : `Done: ${queued} image${queued === 1 ? '' : 's'}, ${failed} with errors.${lastText}`;
    document.body.dataset.busy = String(queue.busy || drawing);
    for (const b of buttons) b.disabled = results.length === 0;
  };

  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(toText(queue.results)).then(
      () => (toolbarStatus.textContent = `Copied ${queue.results.length} lines.`),
      (err: unknown) => showStatus(toolbarStatus, '', errorInfo(err)),
    );
  });
  json.addEventListener('click', () => download('webstr-results.json', toJson(queue.results), 'application/json'));
  csv.addEventListener('click', () => download('webstr-results.csv', toCsv(queue.results), 'text/csv'));
  clear.addEventListener('click', () => {
    if (drawing || !queue.clear()) return;
    list.replaceChildren();
    for (const u of urls.splice(0)) URL.revokeObjectURL(u);
    toolbarStatus.textContent = 'Cleared.';
    update();
  });

  // Legend of the confidence colours, beside the results heading.
  const legend = el('p', { className: 'legend' }, 'Character confidence:');
  legend.setAttribute('aria-hidden', 'true');
  for (const p of [0.3, 0.6, 0.8, 0.95, 1]) {
    const s = el('span', { className: 'char', textContent: `${Math.round(p * 100)}%` });
    s.style.background = confidenceColour(p);
    legend.append(s);
  }
  part(root, 'results-title').after(legend);
  update();

  return {
    enqueue(files) {
      if (files.length === 0) return;
      toolbarStatus.textContent = '';
      queue.enqueue(files);
      update();
    },
    inputError: (err) => showStatus(progressText, '', errorInfo(err)),
    queue,
  };
}
