/**
 * Label rules shared by data loading (src/data/batches.ts), statistics (src/data/shard.ts) and scoring
 * (src/eval/metrics.ts): one implementation of deep-text-recognition-benchmark's filter and
 * normalisation (DTRB dataset.py `LmdbDataset`; docs/models.md §8.3) and of the default scoring protocol.
 * Lengths count code points, as Python's `len(str)`.
 */
import { ALNUM36 } from './charset.ts';

export { ALNUM36 };

/** DTRB options: --batch_max_length, --character, --sensitive, --data_filtering_off. */
export interface LabelFilter {
  /** Labels longer than this (in characters) are dropped (default 25). */
  maxLength?: number;
  /** The model's character set (default the 36 lowercase alphanumerics). */
  charset?: string;
  /** Keep case in the returned label (default false: lowercased). */
  sensitive?: boolean;
  /** Keep every sample (needed to score the full IC15_2077 and CUTE80); labels are still normalised. */
  filteringOff?: boolean;
}

const sets = new Map<string, Set<string>>();
function charSet(chars: string): Set<string> {
  let s = sets.get(chars);
  if (s === undefined) {
    s = new Set(chars);
    sets.set(chars, s);
  }
  return s;
}

/** DTRB filtered_index_list: drop if len(label) > max, or label.lower() has a character outside the set. */
export function keepLabel(label: string, f: LabelFilter = {}): boolean {
  if (f.filteringOff === true) return true;
  const lower = label.toLowerCase();
  let n = 0;
  for (const _ of label) n++;
  if (n > (f.maxLength ?? 25)) return false;
  const set = charSet(f.charset ?? ALNUM36);
  for (const c of lower) if (!set.has(c)) return false;
  return true;
}

/** DTRB __getitem__: lowercase unless sensitive, then remove characters outside the set. */
export function normalizeLabel(label: string, f: LabelFilter = {}): string {
  const set = charSet(f.charset ?? ALNUM36);
  const l = f.sensitive === true ? label : label.toLowerCase();
  let out = '';
  for (const c of l) if (set.has(c)) out += c;
  return out;
}

/** The default scoring protocol's string: lowercase, keep [0-9a-z] (DTRB test.py, PaddleOCR is_filter). */
export function normalizeAlnum(s: string): string {
  return s.toLowerCase().replace(/[^0-9a-z]/g, '');
}
