/**
 * A comlink-wrapped worker that rejects on death. Comlink alone never settles a call whose worker died,
 * so a crashed worker left a page "running" forever. Here every call races the worker's death, which is
 * noticed three ways: an `error` event (an uncaught error), a `messageerror` event (a reply that could
 * not be read), and a Web Lock the worker holds while it lives (workers/liveness.ts; released on
 * close(), a crash or an out-of-memory kill, events or not — no heartbeat, so a worker busy for a
 * minute in one model call is not taken for dead). Then pending and later calls reject with
 * `WorkerCrashedError`, the worker is terminated, and listeners hear of it; `restart()` starts a new
 * worker behind the same `api`.
 */
import * as Comlink from 'comlink';
import type { Endpoint, Remote } from 'comlink';
import { WorkerCrashedError } from '../runtime/errors.ts';
import { LIVENESS_MESSAGE, LIVENESS_PREFIX } from '../runtime/liveness.ts';

export { WorkerCrashedError };

/** What the client needs of a Worker (a fake in tests). */
export interface WorkerLike extends Endpoint {
  terminate(): void;
}

/** The part of `navigator.locks` used. */
export interface LockRequester {
  request(name: string, callback: () => unknown): Promise<unknown>;
}

interface Life<T> {
  worker: WorkerLike;
  remote: Remote<T>;
  name: string;
  error: WorkerCrashedError | null;
  dead: Promise<never>;
  die: (e: WorkerCrashedError) => void;
}

function browserLocks(): LockRequester | null {
  return typeof navigator !== 'undefined' && navigator.locks !== undefined ? navigator.locks : null;
}

function messageOf(ev: Event): string {
  const e = ev as Partial<ErrorEvent>;
  const where = e.filename !== undefined && e.filename !== '' ? ` (${e.filename.split('/').pop()}:${e.lineno ?? 0})` : '';
  return `${e.message ?? 'an error the worker did not catch'}${where}`;
}

export class WorkerClient<T> {
  /** Calls go to the current worker; they reject with WorkerCrashedError when it dies. */
  readonly api: Remote<T>;
  private life: Life<T>;
  private readonly listeners = new Set<(e: WorkerCrashedError) => void>();
  private started = 0;

  constructor(
    /** How errors name the worker ('bench-1', 'recognizer'). */
    readonly label: string,
    /** Starts a worker; `name` goes into its WorkerOptions (the liveness lock's name). */
    private readonly create: (name: string) => WorkerLike,
    private readonly locks: LockRequester | null = browserLocks(),
  ) {
    this.life = this.start();
    const call = (prop: string | symbol, args: unknown[]): Promise<unknown> => {
      const life = this.life;
      if (life.error !== null) return Promise.reject(life.error);
      const fn = (life.remote as unknown as Record<string | symbol, (...a: unknown[]) => Promise<unknown>>)[prop]!;
      return Promise.race([fn(...args), life.dead]);
    };
    // Not thenable (so `await client.api` is the proxy itself); every other property is a remote method.
    this.api = new Proxy({}, { get: (_t, prop) => (prop === 'then' ? undefined : (...args: unknown[]) => call(prop, args)) }) as Remote<T>;
  }

  /** The current worker's death, null while it lives. */
  get crashed(): WorkerCrashedError | null {
    return this.life.error;
  }

  /** `listener` hears of each crash (not of terminate()); returns the unsubscribe. */
  onCrash(listener: (e: WorkerCrashedError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the current worker (if alive) and starts a fresh one behind the same `api`. */
  restart(): void {
    this.end(this.life, 'restarted by the page');
    this.life = this.start();
  }

  /** Ends the worker; calls still pending reject. */
  terminate(): void {
    this.end(this.life, 'terminated by the page');
  }

  private start(): Life<T> {
    const token = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : String(Math.random()).slice(2);
    const name = `${LIVENESS_PREFIX}${this.label}#${++this.started}:${token}`;
    const worker = this.create(name);
    let die: (e: WorkerCrashedError) => void = () => undefined;
    const dead = new Promise<never>((_, reject) => (die = reject));
    dead.catch(() => undefined);
    const life: Life<T> = { worker, remote: Comlink.wrap<T>(worker), name, error: null, dead, die };
    worker.addEventListener('error', (ev) => {
      // Said here, with the worker's name, instead of as an unhandled error of the page.
      ev.preventDefault();
      this.crash(life, `uncaught error: ${messageOf(ev)}`);
    });
    worker.addEventListener('messageerror', () => this.crash(life, 'a message from the worker could not be read'));
    const onAlive = (ev: Event): void => {
      const data = (ev as MessageEvent<unknown>).data;
      if (data === null || typeof data !== 'object' || (data as Record<string, unknown>)[LIVENESS_MESSAGE] !== name) return;
      worker.removeEventListener('message', onAlive);
      // Granted only once the worker's hold ends, i.e. when it is gone.
      void this.locks?.request(name, () => this.crash(life, 'it stopped without an error event (closed, or killed, e.g. out of memory)'));
    };
    worker.addEventListener('message', onAlive);
    return life;
  }

  private crash(life: Life<T>, reason: string): void {
    if (life.error !== null) return;
    const err = new WorkerCrashedError(this.label, reason);
    this.end(life, reason, err);
    for (const l of this.listeners) l(err);
  }

  private end(life: Life<T>, reason: string, err = new WorkerCrashedError(this.label, reason)): void {
    if (life.error !== null) return;
    life.error = err;
    life.worker.terminate();
    life.die(err);
  }
}
