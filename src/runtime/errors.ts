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

/** A file or folder the user named cannot be read or written (missing, a folder where a file was expected, no permission). */
export class FileAccessError extends WebstrError {
  override name = 'FileAccessError';
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder, a file was expected',
  ENOTDIR: 'a path component is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
};

/** A Node file-system error (`code` + `path`) as a FileAccessError naming the path and the reason; anything else as it is. */
export function namedFsError(err: unknown): unknown {
  const e = err as { code?: unknown; path?: unknown; syscall?: unknown } | null;
  if (err instanceof WebstrError || typeof e?.code !== 'string' || FS_REASONS[e.code] === undefined) return err;
  const where = typeof e.path === 'string' ? `'${e.path}'` : 'a file';
  return new FileAccessError(`cannot ${typeof e.syscall === 'string' ? e.syscall : 'access'} ${where}: ${FS_REASONS[e.code]}`);
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

/**
 * A pickle (inside a `.pth` checkpoint) asked for a global, opcode or call outside the allow-list of what a
 * state_dict needs. Nothing was executed; `what` names the refused global (`posix.system`) or opcode.
 */
export class PickleSecurityError extends WebstrError {
  override name = 'PickleSecurityError';
  constructor(
    readonly what: string,
    detail: string,
  ) {
    super(`refused ${what}: ${detail}. A checkpoint pickle may only use the tensor-rebuild and storage globals and ordered dicts; nothing was executed`);
  }
}

/** A byte range outside a byte source was requested (a programming error or a source that shrank). */
export class ByteSourceRangeError extends WebstrError {
  override name = 'ByteSourceRangeError';
}

/** A checkpoint or weights file is truncated, corrupt, or not the format it claims to be. */
export class CheckpointFormatError extends WebstrError {
  override name = 'CheckpointFormatError';
}

/** A well-formed checkpoint uses something this reader does not implement (a dtype, a compression). */
export class UnsupportedCheckpointError extends WebstrError {
  override name = 'UnsupportedCheckpointError';
}

/** A worker died (an uncaught error, a message it could not read, or gone without an event: closed,
 *  killed out of memory); calls pending on it are rejected with this instead of waiting forever. */
export class WorkerCrashedError extends WebstrError {
  override name = 'WorkerCrashedError';
  constructor(
    readonly worker: string,
    readonly reason: string,
  ) {
    super(`worker '${worker}' crashed: ${reason}`);
  }
}

/** A feature needs an optional package that is not installed (Node: @napi-rs/canvas to decode images). */
export class OptionalDependencyError extends WebstrError {
  override name = 'OptionalDependencyError';
  constructor(
    readonly packageName: string,
    purpose: string,
    detail: string,
  ) {
    super(`${purpose} needs the optional package '${packageName}' (npm install ${packageName}): ${detail}`);
  }
}
