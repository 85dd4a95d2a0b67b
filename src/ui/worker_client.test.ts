/**
 * WorkerClient against a fake worker: a comlink endpoint over a MessageChannel in this thread, which can
 * fire `error` / `messageerror` as a Worker does, and a fake lock manager whose hold ends when the test
 * says the worker is gone. Plain comlink would leave every pending call below waiting forever.
 */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVENESS_MESSAGE, LIVENESS_PREFIX } from '../runtime/liveness.ts';
import { WorkerClient, WorkerCrashedError, type LockRequester, type WorkerLike } from './worker_client.ts';

const fakeApi = {
  echo: (x: number) => x,
  hang: () => new Promise<never>(() => undefined),
};
type FakeApi = typeof fakeApi;

class FakeWorker extends EventTarget implements WorkerLike {
  terminated = false;
  private readonly page: MessagePort;
  private readonly inner: MessagePort;

  constructor(readonly name: string) {
    super();
    const ch = new MessageChannel();
    this.page = ch.port1;
    this.inner = ch.port2;
    Comlink.expose(fakeApi, this.inner);
    this.page.addEventListener('message', (ev) => this.dispatchEvent(new MessageEvent('message', { data: (ev as MessageEvent<unknown>).data })));
    this.page.start();
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    if (!this.terminated) this.page.postMessage(message, transfer);
  }

  terminate(): void {
    this.terminated = true;
    this.page.close();
    this.inner.close();
  }

  /** The worker's side of workers/liveness.ts: it holds the lock and says so. */
  sayAlive(): void {
    this.dispatchEvent(new MessageEvent('message', { data: { [LIVENESS_MESSAGE]: this.name } }));
  }
}

/** Locks whose hold the test ends: `gone(name)` grants the page's queued request. */
function fakeLocks(): LockRequester & { gone(name: string): void; asked: string[] } {
  const queued = new Map<string, () => void>();
  return {
    asked: [],
    request(name, callback) {
      this.asked.push(name);
      return new Promise((resolve) => queued.set(name, () => resolve(callback())));
    },
    gone(name) {
      queued.get(name)?.();
    },
  };
}

let clients: WorkerClient<FakeApi>[] = [];
afterEach(() => {
  for (const c of clients) c.terminate();
  clients = [];
});

function setup() {
  const workers: FakeWorker[] = [];
  const locks = fakeLocks();
  const client = new WorkerClient<FakeApi>('fake', (name) => {
    const w = new FakeWorker(name);
    workers.push(w);
    return w;
  }, locks);
  clients.push(client);
  const crashes: WorkerCrashedError[] = [];
  client.onCrash((e) => crashes.push(e));
  return { client, workers, locks, crashes };
}

describe('WorkerClient', () => {
  it('calls go through; the worker is named for its liveness lock', async () => {
    const { client, workers } = setup();
    expect(await client.api.echo(3)).toBe(3);
    expect(workers[0]!.name.startsWith(`${LIVENESS_PREFIX}fake#1:`)).toBe(true);
    expect(client.crashed).toBeNull();
  });

  it('an error event rejects the pending call with WorkerCrashedError and ends the worker', async () => {
    const { client, workers, crashes } = setup();
    const pending = client.api.hang();
    workers[0]!.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message: 'RangeError: Array buffer allocation failed', filename: 'http://x/bench.js', lineno: 12 }));
    await expect(pending).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(pending).rejects.toThrow("worker 'fake' crashed: uncaught error: RangeError: Array buffer allocation failed (bench.js:12)");
    expect(workers[0]!.terminated).toBe(true);
    expect(crashes).toHaveLength(1);
    // Later calls fail at once, until a restart.
    await expect(client.api.echo(1)).rejects.toMatchObject({ name: 'WorkerCrashedError' });
  });

  it('a worker gone without any event (close(), OOM kill) is noticed through its lock', async () => {
    const { client, workers, locks, crashes } = setup();
    const pending = client.api.hang();
    workers[0]!.sayAlive();
    expect(locks.asked).toEqual([workers[0]!.name]);
    locks.gone(workers[0]!.name);
    await expect(pending).rejects.toThrow(/stopped without an error event/);
    expect(crashes).toHaveLength(1);
  });

  it('a messageerror rejects too', async () => {
    const { client, workers } = setup();
    const pending = client.api.hang();
    workers[0]!.dispatchEvent(new Event('messageerror'));
    await expect(pending).rejects.toThrow(/could not be read/);
  });

  it('restart() puts a fresh worker behind the same api; terminate() is not a crash', async () => {
    const { client, workers, locks, crashes } = setup();
    workers[0]!.dispatchEvent(new Event('error'));
    await expect(client.api.echo(1)).rejects.toBeInstanceOf(WorkerCrashedError);
    client.restart();
    expect(workers).toHaveLength(2);
    expect(workers[1]!.name).toMatch(/#2:/);
    expect(await client.api.echo(7)).toBe(7);
    workers[1]!.sayAlive();
    const pending = client.api.hang();
    client.terminate();
    await expect(pending).rejects.toThrow(/terminated by the page/);
    locks.gone(workers[1]!.name); // the lock of a worker the page ended: no crash reported
    await Promise.resolve();
    expect(crashes).toHaveLength(1);
  });
});
