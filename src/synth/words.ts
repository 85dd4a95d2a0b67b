/**
 * The shipped word list: 20,000 words of Debian's `wamerican` (SCOWL; licence in
 * `words_en.LICENSE.txt`), ASCII letters only, chosen by `scripts/make_wordlist.ts`.
 */
import text from './words_en.txt?raw';

export const DEFAULT_WORDS: readonly string[] = Object.freeze(text.split('\n').filter((w) => w !== ''));
