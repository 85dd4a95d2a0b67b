/**
 * Allowed-character sets applied at decoding: a user restricts what a model may output ("Latin letters and
 * digits only", "digits", or a custom string). The restriction is a class mask: the greedy decoder takes
 * each frame's (CTC) or step's (attention) best *allowed* class; the blank, [GO] and EOS are always
 * allowed. An attention model also feeds the restricted choice back into its next step (the model gets the
 * same mask as a logit bias), so its decoding follows the allowed path rather than being filtered after it.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { Charset } from './charset.ts';

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
/** Printable ASCII, space included. */
const ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

/** Named sets (`--allow <name>`); `all` lifts the restriction. */
export const ALLOW_SETS = {
  all: { label: 'All characters of the model', chars: null },
  latin: { label: 'Latin letters, digits, ASCII punctuation and space', chars: ASCII },
  alnum: { label: 'Latin letters and digits', chars: DIGITS + LOWER + UPPER },
  letters: { label: 'Latin letters', chars: LOWER + UPPER },
  lower: { label: 'Lowercase Latin letters and digits', chars: DIGITS + LOWER },
  upper: { label: 'Uppercase Latin letters and digits', chars: DIGITS + UPPER },
  digits: { label: 'Digits', chars: DIGITS },
} as const satisfies Record<string, { label: string; chars: string | null }>;

export type AllowSetName = keyof typeof ALLOW_SETS;

export function isAllowSetName(s: string): s is AllowSetName {
  return Object.hasOwn(ALLOW_SETS, s);
}

/**
 * `spec` → the allowed characters, or null for no restriction. A spec is a set name (`alnum`, …), or
 * `chars:<characters>` / any other string, read as the literal characters allowed. Empty → error.
 */
export function parseAllow(spec: string | null | undefined): ReadonlySet<string> | null {
  if (spec === null || spec === undefined || spec === 'all') return null;
  const chars = isAllowSetName(spec) ? ALLOW_SETS[spec].chars : spec.startsWith('chars:') ? spec.slice('chars:'.length) : spec;
  if (chars === null) return null;
  if (chars.length === 0) throw new InvalidArgumentError(`allowed characters: '${spec}' allows no character (set names: ${Object.keys(ALLOW_SETS).join(', ')}; or chars:<characters>)`);
  return new Set(chars);
}

/**
 * The class mask of `charset`'s symbols under `allowed` (1 = allowed), `numClasses` long with the symbols
 * from class `first`; the other classes (blank / [GO] / EOS) stay allowed. A lowercase-only charset's
 * letter is allowed when either case is. Throws when no symbol of the charset is allowed.
 */
export function classMask(charset: Charset, allowed: ReadonlySet<string>, numClasses: number, first: number, spec = 'allowed set'): Uint8Array {
  const mask = new Uint8Array(numClasses).fill(1);
  let kept = 0;
  charset.symbols.forEach((s, i) => {
    const ok = allowed.has(s) || (charset.lowercase && (allowed.has(s.toUpperCase()) || allowed.has(s.toLowerCase())));
    mask[first + i] = ok ? 1 : 0;
    if (ok) kept++;
  });
  if (kept === 0) throw new InvalidArgumentError(`allowed characters: '${spec}' allows none of the ${charset.symbols.length} characters of charset '${charset.name}'`);
  return mask;
}
