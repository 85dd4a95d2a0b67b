/**
 * Character sets (MODELS.md §2). A charset is the ordered list of symbols a model's classes stand for;
 * the codec (ctc.ts) decides where the blank sits. Symbols are strings, not chars, so a custom set may
 * hold multi-code-unit symbols.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';

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

export function getCharset(name: string): Charset {
  const c = (CHARSETS as Record<string, Charset>)[name];
  if (c === undefined) {
    throw new InvalidArgumentError(`unknown charset '${name}': expected one of ${Object.keys(CHARSETS).join(', ')}`);
  }
  return c;
}

/** A custom charset from a dictionary file's text (one symbol per line, as PaddleOCR's dict files). */
export function charsetFromDict(name: string, text: string, options: { appendSpace?: boolean; lowercase?: boolean } = {}): Charset {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new InvalidArgumentError(`charset '${name}': the dictionary is empty`);
  const symbols = options.appendSpace === true ? [...lines, ' '] : lines;
  return { name, symbols, lowercase: options.lowercase ?? false };
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
