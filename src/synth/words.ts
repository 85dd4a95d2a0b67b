/**
 * The shipped word list: 20,000 words of Debian's `wamerican` (SCOWL; licence in
 * `words_en.LICENSE.txt`), ASCII letters only, chosen by `scripts/make_wordlist.ts`.
 */
import { WORDS_EN } from './words_en.ts';

export const DEFAULT_WORDS: readonly string[] = Object.freeze(WORDS_EN.split(' ').filter((w) => w !== ''));
