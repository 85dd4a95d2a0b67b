/**
 * Imported by every worker: when the page named the worker for liveness (src/ui/worker_client.ts), the
 * worker holds a Web Lock of that name for its whole life and says so once. The lock is released only
 * when the worker's global scope goes (close(), a crash, an out-of-memory kill, terminate()), so the
 * page, queued on the same lock, learns of a death that fires no event, without polling a busy thread.
 */
import { LIVENESS_PREFIX, LIVENESS_MESSAGE } from '../src/runtime/liveness.ts';

const scope = self as unknown as { name?: string; postMessage(m: unknown): void };
const name = scope.name ?? '';
if (name.startsWith(LIVENESS_PREFIX) && typeof navigator !== 'undefined' && navigator.locks !== undefined) {
  void navigator.locks.request(name, () => {
    scope.postMessage({ [LIVENESS_MESSAGE]: name });
    return new Promise<never>(() => undefined);
  });
}
