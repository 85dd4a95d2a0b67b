/**
 * The rich style's planning (SynthTIGER's recipe in kind): strings with case variants, punctuation,
 * dates, prices, codes; fonts that have every glyph of the string; colours and background patches of
 * real training crops; arcs, strong rotation and perspective, condensed and expanded faces,
 * per-character spacing; neighbouring text cut by the crop's edges, crops that cut into the word; low
 * resolution, blur, noise and JPEG artefacts. Like the basic style, every draw comes from the seed.
 */
import type { AugmentOptions } from '../image/augment.ts';
import type { Random } from '../image/rng.ts';
import type { FontStyle, SynthFont } from './fonts.ts';
import { PATCH_COUNT, PATCH_MEAN_B64, PATCH_TEXT_B64, REAL_PAIRS_B64 } from './real_colors.ts';
import type { Background, RenderParams, RichParams, Rgb } from './types.ts';

/** Photometric augmentation of the rich style (before the JPEG step). */
export const RICH_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  blur: { p: 0.3, strength: 1.5 },
  noise: { p: 0.35, strength: 12 },
  color: { p: 0.3, strength: 0.25 },
});

function decodeColors(b64: string): Rgb[] {
  const bin = atob(b64);
  const out: Rgb[] = [];
  for (let i = 0; i + 2 < bin.length; i += 3) out.push([bin.charCodeAt(i), bin.charCodeAt(i + 1), bin.charCodeAt(i + 2)]);
  return out;
}

let pairs: [Rgb, Rgb][] | null = null;
let patchText: Rgb[] | null = null;
let patchMean: Rgb[] | null = null;

/** (text, background) colour pairs of real training crops. */
export function realPairs(): readonly [Rgb, Rgb][] {
  if (pairs === null) {
    const c = decodeColors(REAL_PAIRS_B64);
    pairs = [];
    for (let i = 0; i + 1 < c.length; i += 2) pairs.push([c[i]!, c[i + 1]!]);
  }
  return pairs;
}

/** The text colour of each background patch's crop. */
export function patchTextColors(): readonly Rgb[] {
  patchText ??= decodeColors(PATCH_TEXT_B64);
  return patchText;
}

/** The mean colour of each background patch. */
export function patchMeanColors(): readonly Rgb[] {
  patchMean ??= decodeColors(PATCH_MEAN_B64);
  return patchMean;
}

export { PATCH_COUNT };

/** Whether text of colour `a` reads on `b`: a luma difference of 45, or colours 120 apart. */
export function legible(a: Rgb, b: Rgb): boolean {
  return Math.abs(luma(a) - luma(b)) >= 45 || Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) >= 120;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const digits = (rng: Random, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
};
const letters = (rng: Random, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(65 + rng.int(0, 25));
  return s;
};

/** A string with digits and punctuation as signs and labels have them. */
function pattern(rng: Random, word: string): string {
  const k = rng.int(0, 15);
  const d = rng.int(1, 28);
  const m = rng.int(1, 12);
  const y = rng.int(1950, 2035);
  switch (k) {
    case 0: return `${pad2(d)}/${pad2(m)}/${y}`;
    case 1: return `${y}-${pad2(m)}-${pad2(d)}`;
    case 2: return `${pad2(d)}.${pad2(m)}.${pad2(y % 100)}`;
    case 3: return `${d}${MONTHS[m - 1]!}`;
    case 4: return `${rng.int(0, 23)}:${pad2(rng.int(0, 59))}`;
    case 5: return `$${rng.int(0, 999)}.${pad2(rng.int(0, 99))}`;
    case 6: return `${rng.int(1, 99)}.${rng.pick(['99', '95', '50', '00', '49'])}`;
    case 7: return `${rng.int(1, 100)}%`;
    case 8: return `${digits(rng, 3)}-${digits(rng, 4)}`;
    case 9: return `${letters(rng, rng.int(1, 3))}-${digits(rng, rng.int(2, 5))}`;
    case 10: return `${letters(rng, 1)}${digits(rng, rng.int(1, 3))}${letters(rng, rng.int(0, 2))}`;
    case 11: return `#${digits(rng, rng.int(1, 4))}`;
    case 12: return `${rng.int(1, 99)},${digits(rng, 3)}`;
    case 13: { const n = rng.int(1, 99); const s = n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'; return `${n}${s}`; }
    case 14: return `www.${word.toLowerCase()}.${rng.pick(['com', 'org', 'net', 'co.uk'])}`;
    default: return `${word.toLowerCase()}@${rng.pick(['mail', 'shop', 'info'])}.com`;
  }
}

/** A word with punctuation around it: possessives, contractions, sentence ends, quotes, brackets. */
function punctuate(rng: Random, w: string): string {
  const k = rng.int(0, 11);
  switch (k) {
    case 0: return `${w}.`;
    case 1: return `${w},`;
    case 2: return `${w}!`;
    case 3: return `${w}?`;
    case 4: return `${w}:`;
    case 5: return `${w}'s`;
    case 6: return `"${w}"`;
    case 7: return `(${w})`;
    case 8: return `${w};`;
    case 9: return `-${w}-`;
    case 10: return `${w}'`;
    default: return `&${w}`;
  }
}

function caseVariant(rng: Random, w: string): string {
  const k = rng.next();
  if (k < 0.4) return w.toLowerCase();
  if (k < 0.7) return w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();
  if (k < 0.95) return w.toUpperCase();
  // rAnDoM case, as on some logos and in the benchmarks' noisy labels.
  let s = '';
  for (const ch of w) s += rng.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase();
  return s;
}

export interface RichContext {
  words: readonly string[];
  digitsRatio: number;
  maxDigits: number;
  maxLength: number;
  /** Whether a string may be drawn (every character in the charset, short enough). */
  fits: (s: string) => boolean;
}

/** The string of one rich sample: a case variant of a word, a punctuated word, a pattern or digits. */
export function richText(rng: Random, c: RichContext): string {
  const word = c.words.length > 0 ? rng.pick(c.words) : '';
  const k = rng.next();
  let s: string;
  if (k < c.digitsRatio || word === '') s = digits(rng, rng.int(1, c.maxDigits));
  else if (k < c.digitsRatio + 0.15) s = pattern(rng, word);
  else if (k < c.digitsRatio + 0.27) s = punctuate(rng, caseVariant(rng, word));
  else s = caseVariant(rng, word);
  if (c.fits(s)) return s;
  // The charset or the length limit refuses it: the word in a case the charset has.
  for (const t of [s.toLowerCase(), word, word.toLowerCase()]) if (t !== '' && c.fits(t)) return t;
  return digits(rng, rng.int(1, c.maxDigits));
}

/** How often each kind of face is drawn (scene text is mostly sans and display lettering; script
 *  faces are few on signs and the hardest to read), whatever the number of faces of each kind. */
export const STYLE_WEIGHTS: Readonly<Record<FontStyle, number>> = Object.freeze({ sans: 0.36, serif: 0.2, display: 0.24, mono: 0.08, handwriting: 0.12 });

/** A face for `text`: a kind by `STYLE_WEIGHTS` among the kinds present, then a face of that kind. */
export function pickFont(rng: Random, text: string, fonts: readonly SynthFont[]): SynthFont {
  const ok = fontsFor(text, fonts);
  const kinds = (Object.keys(STYLE_WEIGHTS) as FontStyle[]).filter((k) => ok.some((f) => f.style === k));
  const total = kinds.reduce((a, k) => a + STYLE_WEIGHTS[k], 0);
  let u = rng.next() * total;
  let kind = kinds[kinds.length - 1]!;
  for (const k of kinds) {
    u -= STYLE_WEIGHTS[k];
    if (u < 0) {
      kind = k;
      break;
    }
  }
  return rng.pick(ok.filter((f) => f.style === kind));
}

/** Fonts that have a glyph for every character of `text` (all of them when none has). */
export function fontsFor(text: string, fonts: readonly SynthFont[]): readonly SynthFont[] {
  const ok = fonts.filter((f) => f.missing === undefined || f.missing === '' || ![...text].some((ch) => f.missing!.includes(ch)));
  return ok.length > 0 ? ok : fonts;
}

const luma = (c: Rgb): number => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
const jitter = (rng: Random, c: Rgb, a: number): Rgb => [0, 1, 2].map((i) => Math.max(0, Math.min(255, Math.round(c[i]! + rng.uniform(-a, a))))) as Rgb;

/** Colours of the sample: fill, background and a second background colour. */
export function richColors(
  rng: Random,
  fallback: () => { fill: Rgb; bg0: Rgb; bg1: Rgb },
  contrasting: (from: Rgb) => Rgb,
): { fill: Rgb; bg0: Rgb; bg1: Rgb; patch: Background | null } {
  const k = rng.next();
  if (k < 0.3 && PATCH_COUNT > 0) {
    const patch = rng.int(0, PATCH_COUNT - 1);
    const gain = rng.uniform(0.75, 1.15);
    const bg: Background = { kind: 'patch', patch, flipX: rng.chance(0.5), flipY: rng.chance(0.5), gain };
    const m = patchMeanColors()[patch]!;
    const mean: Rgb = [m[0] * gain, m[1] * gain, m[2] * gain];
    let fill = jitter(rng, patchTextColors()[patch]!, 20);
    if (!legible(fill, mean)) fill = contrasting(mean);
    return { fill, bg0: mean, bg1: mean, patch: bg };
  }
  if (k < 0.7 && realPairs().length > 0) {
    const pair = rng.pick(realPairs());
    const swap = rng.chance(0.1); // some signs are the same colours the other way round
    let fill = jitter(rng, swap ? pair[1] : pair[0], 15);
    const bg0 = jitter(rng, swap ? pair[0] : pair[1], 15);
    const bg1 = jitter(rng, bg0, 40);
    if (!legible(fill, bg0) || !legible(fill, bg1)) fill = contrasting(mix(bg0, bg1));
    return { fill, bg0, bg1, patch: null };
  }
  const f = fallback();
  if (!legible(f.fill, f.bg0) || !legible(f.fill, f.bg1)) f.fill = contrasting(mix(f.bg0, f.bg1));
  return { ...f, patch: null };
}

const mix = (a: Rgb, b: Rgb): Rgb => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];

/** The rich style's geometry and degradations, drawn after the text, font and colours. */
export function richLayout(rng: Random, text: string, words: readonly string[], fill: Rgb): { rich: RichParams; pad: RenderParams['pad']; stretch: number; rotation: number; perspective: RenderParams['perspective']; curve: number } {
  const n = [...text].length;
  // Per-character spacing: jitter, or wide tracking with jitter.
  let spacing: number[] | null = null;
  const sp = rng.next();
  if (n > 1 && sp < 0.35) {
    const track = sp < 0.1 ? rng.uniform(0.15, 0.5) : 0;
    spacing = [];
    for (let i = 0; i < n - 1; i++) spacing.push(track + rng.uniform(-0.04, 0.12));
  }
  // One main layout, as SynthTIGER mixes them.
  const lk = rng.next();
  let arc = 0;
  let rotation = 0;
  let curve = 0;
  const perspective = [0, 0, 0, 0, 0, 0, 0, 0] as RenderParams['perspective'];
  // Long words bend and turn less, so the letters keep ≳ 40% of the crop's height: with the word's
  // aspect a ≈ 0.55 per character, a turn by θ leaves 1 / (a·sin θ + cos θ) of the height to the text.
  const aspect = Math.max(1, 0.55 * n);
  if (lk < 0.15) {
    const most = Math.min(1.8, 4 / aspect);
    arc = (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.3 * most, most);
  } else if (lk < 0.3) {
    const u = rng.next();
    rotation = (rng.chance(0.5) ? 1 : -1) * Math.min(30, (1.6 / aspect) * 57.3) * u * u;
  } else if (lk < 0.45) {
    const s = rng.uniform(0.1, 0.3);
    const outward = [-1, -1, 1, -1, 1, 1, -1, 1];
    for (let i = 0; i < 8; i++) perspective[i] = outward[i]! * rng.uniform(-s / 3, s);
  } else if (lk < 0.55) {
    curve = rng.uniform(-0.2, 0.2);
  } else if (lk < 0.7) {
    rotation = rng.uniform(-4, 4);
  }
  // Condensed or expanded (the height stays: a narrow word looks tall).
  const stretch = rng.chance(0.3) ? rng.uniform(0.55, 0.8) : rng.chance(0.2) ? rng.uniform(1.25, 1.6) : rng.uniform(0.85, 1.15);
  // Margins; sometimes the crop cuts into the word (a few % of the text height).
  const pad: RenderParams['pad'] = [rng.uniform(0.02, 0.4), rng.uniform(0.03, 0.25), rng.uniform(0.02, 0.4), rng.uniform(0.03, 0.25)];
  if (rng.chance(0.12)) pad[rng.int(0, 3)] = -rng.uniform(0, 0.08);
  // Neighbouring text at the edges.
  const frag = (p: number): string => {
    // Not around one or two characters: the neighbours would outweigh the word.
    if (!rng.chance(p) || words.length === 0 || n < 3) return '';
    const w = rng.pick(words);
    return rng.chance(0.3) ? w.toUpperCase() : w;
  };
  const left = frag(0.2);
  const right = frag(0.2);
  const above = frag(0.12);
  const below = frag(0.12);
  const gap = rng.uniform(0.2, 0.5);
  const lineGap = rng.uniform(0.85, 1.15); // tight leading: the other lines' ascenders and descenders show
  const shift = rng.uniform(-0.5, 0.5);
  const color = rng.chance(0.3) ? jitter(rng, fill, 90) : null;
  if (left !== '') pad[0] = Math.max(pad[0], rng.uniform(0.3, 0.8));
  if (right !== '') pad[2] = Math.max(pad[2], rng.uniform(0.3, 0.8));
  if (above !== '') pad[1] = Math.max(pad[1], rng.uniform(0.1, 0.3));
  if (below !== '') pad[3] = Math.max(pad[3], rng.uniform(0.1, 0.3));
  // Milder than the extremes: stacked with blur and noise, lower settings left nothing legible.
  const lowRes = rng.chance(0.25) ? rng.uniform(0.45, 0.85) : 1;
  const jpeg = rng.chance(0.3) ? rng.int(15, 60) : 0;
  return { rich: { spacing, arc, neighbours: { left, right, above, below, gap, lineGap, shift, color }, lowRes, jpeg }, pad, stretch, rotation, perspective, curve };
}

