/**
 * Named errors. Every error the project throws on purpose is a `WebstrError` subclass with a stable
 * `name`, so callers (and the other side of a worker boundary, where only name/message survive
 * structured cloning) can match on `err.name` instead of parsing messages.
 */
export class WebstrError extends Error {
  override name = 'WebstrError';
}

/** A backend was asked for that cannot start here; `available` lists what can. */
export class BackendUnavailableError extends WebstrError {
  override name = 'BackendUnavailableError';
  constructor(
    readonly requested: string,
    readonly available: readonly string[],
    readonly reason: string,
  ) {
    super(
      `backend '${requested}' is not available: ${reason}. Available here: ${available.length > 0 ? available.join(', ') : 'none'}`,
    );
  }
}

/** The WebGPU device was lost (driver reset, GPU removed, out of memory, or destroyed). */
export class DeviceLostError extends WebstrError {
  override name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`WebGPU device lost (${reason})${detail ? `: ${detail}` : ''}`);
  }
}

/** An argument of the wrong shape, dtype or value; the message states what was expected and what came. */
export class InvalidArgumentError extends WebstrError {
  override name = 'InvalidArgumentError';
}

/** Serialisable form of an error, for worker messages and JSON output. */
export interface ErrorInfo {
  name: string;
  message: string;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
