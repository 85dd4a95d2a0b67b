/**
 * The conventions every `webstr` command shares, free of tfjs so `webstr help` and `--version` load
 * nothing heavy: usage errors (exit 2, one line), argument parsing that turns node:util's errors into
 * usage errors, and `--json [FILE.json|-]`, which means the same in every command: the command's result
 * as JSON on stdout instead of its text (bare `--json` or `--json -`), or written to FILE.json with the
 * text on stdout as usual.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { parseBackendRequest, type BackendRequest } from '../src/runtime/backend_names.ts';
import { parseAllow } from '../src/text/allow.ts';

/** The command line itself is wrong (unknown option, missing or malformed value): exit 2. */
export class UsageError extends InvalidArgumentError {
  override name = 'UsageError';
}

/** Exit statuses: 0 ok, 1 the work failed, 2 the command line is wrong. */
export const EXIT_USAGE = 2;

function isParseArgsError(err: unknown): err is Error & { code: string } {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** node:util's messages go on with advice about `--` ("To specify a positional argument …"): keep the first sentence. */
function firstLine(message: string): string {
  return message.split(/\n|\. To specify/)[0]!.trim();
}

/**
 * `--json` takes an optional value, which node:util cannot express: a bare `--json` (or `--json -`)
 * becomes `--json=-`; `--json x.json` becomes `--json=x.json`. A following word that does not end in
 * `.json` stays a positional (a dataset folder, an image).
 */
export function normalizeJsonFlag(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a !== '--json') {
      out.push(a);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && (next === '-' || (!next.startsWith('-') && next.toLowerCase().endsWith('.json')))) {
      out.push(`--json=${next}`);
      i++;
    } else {
      out.push('--json=-');
    }
  }
  return out;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with `json` added when asked for, strict, and its errors as UsageError. */
export function parseCommandArgs<O extends Options>(argv: readonly string[], options: O) {
  const config = { args: normalizeJsonFlag(argv), options, allowPositionals: true as const, strict: true as const };
  try {
    return parseArgs(config);
  } catch (err) {
    if (isParseArgsError(err)) throw new UsageError(firstLine(err.message));
    throw err;
  }
}

/** The `json` option every command declares. */
export const JSON_OPTION = { json: { type: 'string' } } as const;

/** Where `--json` sends the result: nowhere (text only), stdout, or a file. */
export type JsonTarget = { kind: 'none' } | { kind: 'stdout' } | { kind: 'file'; path: string };

export function jsonTarget(value: string | undefined): JsonTarget {
  if (value === undefined) return { kind: 'none' };
  if (value === '-' || value === '') return { kind: 'stdout' };
  return { kind: 'file', path: value };
}

/**
 * Prints a command's result by the convention: `text` on stdout unless `--json` sends the JSON there;
 * with `--json FILE` the JSON goes to FILE and the text still to stdout.
 */
export async function emitResult(target: JsonTarget, result: unknown, text: string): Promise<void> {
  if (target.kind === 'stdout') {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  if (text !== '') console.log(text);
  if (target.kind === 'file') await writeFile(target.path, JSON.stringify(result, null, 2) + '\n');
}

/** `--backend` checked as a usage error. */
export function backendArg(value: string): BackendRequest {
  try {
    return parseBackendRequest(value);
  } catch (err) {
    throw new UsageError(`--backend: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** `--allow`, checked (src/text/allow.ts): a set that allows no character is a usage error. */
export function allowArg(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseAllow(value);
  } catch (err) {
    throw new UsageError(`--allow: ${err instanceof Error ? err.message : String(err)}`);
  }
  return value;
}

/** A numeric option, checked: a usage error names the option and the value. */
export function numberArg(name: string, v: string | undefined, check: (n: number) => boolean, expected: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name}: expected ${expected}, got '${v}'`);
  return n;
}

export const isInt = (lo: number) => (n: number): boolean => Number.isSafeInteger(n) && n >= lo;

/** A required option or argument that is missing. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UsageError(`${what} is required`);
  return value;
}
