/**
 * Writes `src/synth/words_en.txt`, the word list the synthetic word generator ships with, from Debian's
 * `wamerican` (SCOWL, /usr/share/dict/american-english; licence in the file's header comment below):
 * words of 1–20 ASCII letters (no possessives, no accents), a deterministic 20,000-word subset chosen by
 * a hash of the word (FNV-1a), sorted. Run: node --import ./cli/register.mjs scripts/make_wordlist.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';

const SOURCE = '/usr/share/dict/american-english';
const KEEP = 20_000;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const words = [...new Set(readFileSync(SOURCE, 'utf8').split('\n').map((w) => w.trim()).filter((w) => /^[A-Za-z]{1,20}$/.test(w)))];
const chosen = words.map((w) => ({ w, h: fnv1a(w) })).sort((a, b) => a.h - b.h || (a.w < b.w ? -1 : 1)).slice(0, KEEP).map((x) => x.w).sort();
writeFileSync(new URL('../src/synth/words_en.txt', import.meta.url), `${chosen.join('\n')}\n`);
console.log(`${words.length} candidate words in ${SOURCE}; wrote ${chosen.length}`);
