/**
 * The demo's recognition queue, without the DOM: images wait in order, go to the recognizer in chunks
 * (steady progress, equal widths batched), and come back as numbered results. Files too large are refused
 * unread; without a model every image fails by name; a failed call fails its chunk, not the queue.
 */
import type { RecognitionOutcome } from '../recognize/recognizer.ts';
import { errorInfo } from '../runtime/errors.ts';
import { MAX_FILE_BYTES } from './demo_input.ts';
import { outcomeOf, type DemoResult } from './demo_results.ts';

/** Images per recognizer call: small enough for steady progress, large enough to batch equal widths. */
export const CHUNK = 16;

export interface QueueDeps {
  /** Waits for the model being loaded (images given during start-up wait for it); false: there is none. */
  ready: () => Promise<boolean>;
  /** One outcome per file, in order (each file is within MAX_FILE_BYTES). */
  recognize: (files: File[]) => Promise<(RecognitionOutcome | undefined)[]>;
  /** A chunk's results, in order of arrival; `queue.done` already counts them. */
  onResults: (items: readonly { result: DemoResult; file: File }[]) => void;
}

function failed(name: string, message: string): DemoResult['outcome'] {
  return { ok: false, error: { name, message } };
}

function tooLarge(f: File): DemoResult['outcome'] {
  return failed('FileTooLargeError', `${(f.size / 2 ** 20).toFixed(0)} MiB; files above ${MAX_FILE_BYTES / 2 ** 20} MiB are refused unread`);
}

export class RecognitionQueue {
  /** Every result since the last clear(), in order. */
  results: DemoResult[] = [];
  /** Images given since the last clear(), and those finished. */
  queued = 0;
  done = 0;
  private readonly waiting: File[] = [];
  private running = false;
  private nextIndex = 1;

  constructor(private readonly deps: QueueDeps) {}

  get busy(): boolean {
    return this.done < this.queued;
  }

  /** Queues `files`; they are recognised after those given before. */
  enqueue(files: readonly File[]): void {
    if (files.length === 0) return;
    this.waiting.push(...files);
    this.queued += files.length;
    void this.drain();
  }

  /** Forgets the results and restarts the numbering; false (nothing done) while images are in flight. */
  clear(): boolean {
    if (this.busy) return false;
    this.results = [];
    this.queued = this.done = 0;
    this.nextIndex = 1;
    return true;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const chunk = this.waiting.splice(0, CHUNK);
        const indices = chunk.map(() => this.nextIndex++);
        const outcomes = await this.recognize(chunk);
        const items = chunk.map((file, i) => ({ file, result: { index: indices[i]!, file: file.webkitRelativePath || file.name, bytes: file.size, outcome: outcomes[i]! } }));
        this.results.push(...items.map((x) => x.result));
        this.done += chunk.length;
        this.deps.onResults(items);
      }
    } finally {
      this.running = false;
    }
  }

  private async recognize(chunk: File[]): Promise<DemoResult['outcome'][]> {
    if (!(await this.deps.ready())) return chunk.map(() => failed('NoModelError', 'no model is loaded: import a model (or pick one) above'));
    const send = chunk.filter((f) => f.size <= MAX_FILE_BYTES);
    let got: DemoResult['outcome'][] = [];
    if (send.length > 0) {
      try {
        got = (await this.deps.recognize(send)).map(outcomeOf);
      } catch (err) {
        const e = errorInfo(err);
        got = send.map(() => failed(e.name, e.message));
      }
    }
    let k = 0;
    return chunk.map((f) => (f.size > MAX_FILE_BYTES ? tooLarge(f) : (got[k++] ?? outcomeOf(undefined))));
  }
}
