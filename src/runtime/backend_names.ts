/** Backend names, free of tfjs so pages can import them without pulling the engine into the main thread. */
import { InvalidArgumentError } from './errors.ts';

export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export function parseBackendRequest(value: string): BackendRequest {
  if (value === 'auto' || (BACKENDS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new InvalidArgumentError(`unknown backend '${value}': expected one of auto, ${BACKENDS.join(', ')}`);
}
