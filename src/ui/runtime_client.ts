/** Page side of the workers: starts them as module workers and wraps them with comlink. */
import type { Remote } from 'comlink';
import { WorkerClient } from './worker_client.ts';
import type { SelftestApi } from '../../workers/selftest.ts';
import { BACKENDS, type BackendRequest } from '../runtime/backend_names.ts';

export function startSelftestWorker(): { api: Remote<SelftestApi>; terminate: () => void } {
  const client = new WorkerClient<SelftestApi>('selftest', (name) => new Worker(new URL('../../workers/selftest.ts', import.meta.url), { type: 'module', name }));
  return { api: client.api, terminate: () => client.terminate() };
}

/** The backend asked for in the URL (`?backend=wasm`), else 'auto'. Unknown values pass through, so
 *  the worker's named error reports them. */
export function requestedBackend(): string {
  return new URLSearchParams(location.search).get('backend') ?? 'auto';
}

export const BACKEND_CHOICES: readonly BackendRequest[] = ['auto', ...BACKENDS];

/** Name and message of an error thrown in a worker (comlink keeps both). */
export function describeError(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
