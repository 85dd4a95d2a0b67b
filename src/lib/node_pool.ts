/**
 * `createRecognizer({ workers: n })` in Node: n worker threads (node_worker.ts), each with its own tfjs
 * engine and copy of the model. The main thread reads the images and deals them out in chunks; results
 * come back in input order. A thread that dies (an uncaught error, out of memory, process.exit) fails
 * only the images it held, with WorkerCrashedError, and a fresh thread takes its place for the rest.
 */
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError, WorkerCrashedError, errorInfo, type ErrorInfo } from '../runtime/errors.ts';
import type { RecognitionOutcome, RecognizeCallOptions, RecognizerInfo } from './common.ts';
import type { PoolCall, PoolReply, ThreadCreateOptions, ThreadInput } from './node_pool_protocol.ts';

/** Images per message to a thread (as the browser pool): full model batches, steady progress. */
export const POOL_CHUNK = 16;

/**
 * The thread's entry: the built package runs its compiled `recognizer_worker.js` at the root of
 * dist-lib/node/ (this code may sit there in index.js or in chunks/, see vite.lib.config.ts); the
 * sources (tests, the repo) run a shim that registers the TypeScript loader first. Identifiers, not
 * literals, so bundlers leave the URLs alone.
 */
export function workerUrl(here: string = import.meta.url): URL {
  const entry = here.endsWith('.ts') ? './node_worker.mjs' : /\/chunks\/[^/]+$/.test(here) ? '../recognizer_worker.js' : './recognizer_worker.js';
  return new URL(entry, here);
}

class Thread {
  readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: PoolReply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private closing = false;
  crashed: WorkerCrashedError | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly label: string,
    onNotice: ((message: string) => void) | undefined,
  ) {
    this.worker = new Worker(workerUrl(), { name: label });
    this.worker.on('message', (r: PoolReply) => {
      if (r.type === 'notice') return onNotice?.(r.message);
      const p = this.pending.get(r.id);
      if (p === undefined) return;
      this.pending.delete(r.id);
      if (r.type === 'error') p.reject(Object.assign(new Error(r.error.message), { name: r.error.name }));
      else p.resolve(r);
    });
    this.worker.on('error', (err) => this.die(`${err.name}: ${err.message}`));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (!this.closing) this.die(`exited with code ${code}`);
        resolve();
      }),
    );
  }

  private die(reason: string): void {
    if (this.crashed !== null) return;
    this.crashed = new WorkerCrashedError(this.label, reason);
    for (const p of this.pending.values()) p.reject(this.crashed);
    this.pending.clear();
    void this.worker.terminate();
  }

  send(req: PoolCall): Promise<PoolReply> {
    if (this.crashed !== null) return Promise.reject(this.crashed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  async create(options: ThreadCreateOptions): Promise<RecognizerInfo> {
    const r = await this.send({ type: 'create', options });
    if (r.type !== 'created') throw new WorkerCrashedError(this.label, `answered '${r.type}' to create`);
    return r.info;
  }

  async recognize(inputs: ThreadInput[]): Promise<RecognitionOutcome[]> {
    const r = await this.send({ type: 'recognize', inputs });
    if (r.type !== 'result') throw new WorkerCrashedError(this.label, `answered '${r.type}' to recognize`);
    return r.outcomes;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
    await this.exited;
  }
}

export interface ThreadPoolOptions<Src> {
  workers: number;
  create: ThreadCreateOptions;
  onNotice?: (message: string) => void;
  /** Reads one image on the main thread (a path, a URL, a Blob → bytes); a throw fails that image alone. */
  prepare: (image: Src) => Promise<ThreadInput>;
}

/** Starts `workers` threads; the first settles `backend: 'auto'`, the others start on its choice. */
export async function createThreadPool<Src>(options: ThreadPoolOptions<Src>): Promise<ThreadPoolRecognizer<Src>> {
  let n = 0;
  const start = async (backend: string): Promise<{ thread: Thread; info: RecognizerInfo }> => {
    const thread = new Thread(`webstr-recognizer-${++n}`, options.onNotice);
    try {
      return { thread, info: await thread.create({ ...options.create, backend }) };
    } catch (err) {
      await thread.close();
      throw err;
    }
  };
  const first = await start(options.create.backend);
  const backend = first.info.backend;
  const rest = await Promise.allSettled(Array.from({ length: options.workers - 1 }, () => start(backend)));
  const threads = [first.thread, ...rest.flatMap((r) => (r.status === 'fulfilled' ? [r.value.thread] : []))];
  const failed = rest.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(threads.map((t) => t.close()));
    throw failed.reason;
  }
  return new ThreadPoolRecognizer<Src>(threads, { ...first.info, workers: threads.length }, (b) => start(b).then((s) => s.thread), options.prepare);
}

export class ThreadPoolRecognizer<Src> {
  private terminated = false;
  /** Per slot, the thread (or the replacement being started after a crash; null when it could not start). */
  private readonly slots: Promise<Thread | null>[];

  constructor(
    threads: Thread[],
    readonly info: RecognizerInfo,
    private readonly restart: (backend: string) => Promise<Thread>,
    private readonly prepare: (image: Src) => Promise<ThreadInput>,
  ) {
    this.slots = threads.map((t) => Promise.resolve(t));
  }

  recognize(images: Src[], options?: RecognizeCallOptions): Promise<RecognitionOutcome[]>;
  recognize(image: Src, options?: RecognizeCallOptions): Promise<RecognitionOutcome>;
  async recognize(images: Src | Src[], options: RecognizeCallOptions = {}): Promise<RecognitionOutcome | RecognitionOutcome[]> {
    if (!Array.isArray(images)) return (await this.recognizeAll([images], options))[0]!;
    return this.recognizeAll(images, options);
  }

  private async recognizeAll(images: Src[], { onProgress, signal }: RecognizeCallOptions): Promise<RecognitionOutcome[]> {
    if (this.terminated) throw new InvalidArgumentError('recognize: this recognizer was terminated');
    signal?.throwIfAborted();
    const out = new Array<RecognitionOutcome | undefined>(images.length).fill(undefined);
    let next = 0;
    let done = 0;
    let lastCrash: WorkerCrashedError | null = null;
    const run = async (slot: number): Promise<void> => {
      while (next < images.length && !(signal?.aborted ?? false)) {
        const thread = await this.slots[slot]!;
        if (thread === null || this.terminated) return;
        const start = next;
        const end = Math.min(images.length, start + POOL_CHUNK);
        next = end;
        const failed = new Map<number, ErrorInfo>();
        const ready: { i: number; input: ThreadInput }[] = [];
        for (let i = start; i < end; i++) {
          try {
            ready.push({ i, input: await this.prepare(images[i]!) });
          } catch (err) {
            failed.set(i, errorInfo(err));
          }
        }
        try {
          const got = ready.length === 0 ? [] : await thread.recognize(ready.map((r) => r.input));
          ready.forEach((r, k) => (out[r.i] = got[k]!));
        } catch (err) {
          // The thread died holding these images (or answered with an error): they fail, the rest go on.
          for (const r of ready) failed.set(r.i, errorInfo(err));
          if (thread.crashed !== null) {
            lastCrash = thread.crashed;
            if (!this.terminated) this.slots[slot] = this.restart(this.info.backend).catch(() => null);
          }
        }
        for (const [i, error] of failed) out[i] = { ok: false, error };
        done += end - start;
        onProgress?.({ done, total: images.length });
      }
    };
    const work = Promise.all(this.slots.map((_, k) => run(k)));
    if (signal === undefined) {
      await work;
    } else {
      // Reject as soon as the signal fires; chunks already in a thread finish there.
      await Promise.race([work, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))]);
    }
    if (this.terminated) throw new InvalidArgumentError('recognize: the recognizer was terminated during the call');
    // Every thread gone and none could be restarted: what no thread took fails with the last crash.
    const gone = errorInfo(lastCrash ?? new WorkerCrashedError('webstr-recognizer', 'no thread left'));
    return out.map((o) => o ?? { ok: false, error: gone });
  }

  /** Test hook: the thread in `slot` exits when its next chunk arrives. */
  async crashNextForTest(slot: number): Promise<void> {
    const t = await this.slots[slot];
    await t?.send({ type: 'crash-next' });
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    const threads = await Promise.all(this.slots);
    await Promise.all(threads.flatMap((t) => (t === null ? [] : [t.close()])));
  }
}
