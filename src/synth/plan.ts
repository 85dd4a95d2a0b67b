/**
 * Options and planning: from the options and the RNG alone, the parameters of the next sample
 * (`RenderParams`). Nothing here measures text, so the browser and Node plan the same samples.
 */
import { type AugmentOptions, checkAugmentOptions, checkRgba } from '../image/augment.ts';
import type { Random } from '../image/rng.ts';
import type { RgbaImage } from '../image/types.ts';
import { type Charset, getCharset } from '../text/charset.ts';
import { EmptyVocabularyError, SynthOptionsError } from './errors.ts';
import type { SynthFont } from './fonts.ts';
import { RICH_AUGMENT, pickFont, richColors, richLayout, richText } from './rich.ts';
import type { Background, RenderParams, Rgb } from './types.ts';

/** 'basic': the generator of issue 9 (MJSynth-like; tiny runs and existing callers). 'rich': the
 *  model zoo's variety (rich.ts): punctuation and patterns, real colours and textures, arcs, strong
 *  rotation, neighbouring text, low resolution and JPEG artefacts; default charset en_dict_space. */
export type SynthStyle = 'basic' | 'rich';

export interface Chance {
  p: number;
  strength: number;
}

export interface SynthOptions {
  /** 'basic' (default) or 'rich'. */
  style?: SynthStyle;
  /** Seed of the stream (any finite number; taken as uint32). Default 0. */
  seed?: number;
  /** The vocabulary; default the shipped word list (20,000 words of Debian's wamerican). Words outside
   *  the charset are dropped from the default list and refused (`SynthOptionsError`) from a given one. */
  words?: readonly string[];
  /** Labels are kept within this charset ('alnum36' by default; lowercased labels for lowercase sets). */
  charset?: string | Charset;
  /** Longest label (default 25, DTRB's). */
  maxLength?: number;
  /** Fraction of samples that are random digit strings (default 0.1; must be 0 if the charset has no digits). */
  digitsRatio?: number;
  /** Longest digit string (default 8). */
  maxDigits?: number;
  /** Case of the drawn text: 'random' (lower ½, Title ¼, UPPER ¼, as MJSynth), or fixed. */
  case?: 'random' | 'lower' | 'upper' | 'as-is';
  /** Output height in pixels (8–256, default 32). */
  height?: number;
  /** Fixed output width (the word is stretched to it), or null: width from the text (default). */
  width?: number | null;
  /** Bounds of the width from the text (defaults 8 and 320; at most 4096). */
  minWidth?: number;
  maxWidth?: number;
  /** Font families to draw with (a subset of the environment's); default all. */
  fonts?: readonly string[];
  perspective?: Chance;
  curve?: Chance;
  /** Rotation: strength in degrees (≤ 45). */
  rotate?: Chance;
  /** Probabilities of an outline and of a drop shadow. */
  border?: number;
  shadow?: number;
  /** Photometric augmentation after rendering (no crop: the height is fixed), or false. */
  augment?: AugmentOptions | false;
  /** Natural images whose patches become backgrounds (MJSynth blends text onto image crops); ≤ 1000. */
  backgroundImages?: readonly RgbaImage[];
  /** Probability of an image background when images are given (default 0.5). */
  imageBackgrounds?: number;
}

/** Light blur and noise, as MJSynth's rendering pipeline adds. */
export const SYNTH_AUGMENT: Readonly<AugmentOptions> = Object.freeze({
  blur: { p: 0.3, strength: 1.0 },
  noise: { p: 0.3, strength: 8 },
  color: { p: 0.2, strength: 0.15 },
});

/** A small vocabulary of short common words, for the tiny end-to-end training runs. */
export const TINY_WORDS: readonly string[] = Object.freeze(['the', 'and', 'for', 'you', 'with', 'this', 'that', 'have', 'from', 'they', 'word', 'text', 'open', 'stop', 'road', 'cafe', 'park', 'exit', 'sale', 'hotel']);

/**
 * The fast mode for tiny training runs: 100×32 crops (DTRB's input size, so no resize is needed), a
 * small vocabulary (`TINY_WORDS` unless given), lower case, no digits, mild geometry, no augmentation.
 * Held-out samples: the same options with another seed.
 */
export function tinySynthOptions(overrides: SynthOptions = {}): SynthOptions {
  return {
    height: 32,
    width: 100,
    words: TINY_WORDS,
    digitsRatio: 0,
    case: 'lower',
    perspective: { p: 0.3, strength: 0.05 },
    curve: { p: 0.2, strength: 0.1 },
    rotate: { p: 0.2, strength: 2 },
    augment: false,
    ...overrides,
  };
}

export interface ResolvedOptions {
  style: SynthStyle;
  seed: number;
  words: readonly string[];
  charset: Charset;
  maxLength: number;
  digitsRatio: number;
  maxDigits: number;
  case: 'random' | 'lower' | 'upper' | 'as-is';
  height: number;
  width: number | null;
  minWidth: number;
  maxWidth: number;
  fonts: readonly SynthFont[];
  perspective: Chance;
  curve: Chance;
  rotate: Chance;
  border: number;
  shadow: number;
  augment: AugmentOptions | false;
  backgroundImages: readonly RgbaImage[];
  imageBackgrounds: number;
}

const intIn = (v: number | undefined, def: number, lo: number, hi: number, what: string): number => {
  const n = v ?? def;
  if (!Number.isInteger(n) || n < lo || n > hi) throw new SynthOptionsError(`${what} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  return n;
};

const prob = (v: number | undefined, def: number, what: string): number => {
  const p = v ?? def;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) throw new SynthOptionsError(`${what} must be a probability in [0, 1], got ${String(v)}`);
  return p;
};

const chance = (v: Chance | undefined, def: Chance, max: number, what: string): Chance => {
  const c = v ?? def;
  if (typeof c !== 'object' || c === null) throw new SynthOptionsError(`${what} must be {p, strength}`);
  const p = prob(c.p, def.p, `${what}.p`);
  if (!Number.isFinite(c.strength) || c.strength < 0 || c.strength > max) throw new SynthOptionsError(`${what}.strength must be in [0, ${max}], got ${String(c.strength)}`);
  return { p, strength: c.strength };
};

/** Whether every character of `label` (lowercased for a lowercase charset) is a symbol of the charset. */
export function inCharset(label: string, charset: Charset, symbols: ReadonlySet<string> = new Set(charset.symbols)): boolean {
  const t = charset.lowercase ? label.toLowerCase() : label;
  for (const ch of t) if (!symbols.has(ch)) return false;
  return t.length > 0;
}

/** Checks and completes the options against the fonts the environment registered. */
export function resolveOptions(o: SynthOptions, available: readonly SynthFont[], defaultWords: readonly string[]): ResolvedOptions {
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new SynthOptionsError(`seed must be a finite number, got ${o.seed}`);
  const style = o.style ?? 'basic';
  if (style !== 'basic' && style !== 'rich') throw new SynthOptionsError(`style must be basic or rich, got '${String(style)}'`);
  const rich = style === 'rich';
  let charset: Charset;
  try {
    charset = typeof o.charset === 'object' ? o.charset : getCharset(o.charset ?? (rich ? 'en_dict_space' : 'alnum36'));
  } catch (err) {
    throw new SynthOptionsError((err as Error).message);
  }
  const symbols = new Set(charset.symbols);
  const maxLength = intIn(o.maxLength, 25, 1, 256, 'maxLength');
  const height = intIn(o.height, 32, 8, 256, 'height');
  const maxWidth = intIn(o.maxWidth, 320, 1, 4096, 'maxWidth');
  const minWidth = intIn(o.minWidth, Math.min(8, maxWidth), 1, maxWidth, 'minWidth');
  const width = o.width === undefined || o.width === null ? null : intIn(o.width, 0, 1, 4096, 'width');
  if (height * (width ?? maxWidth) > 1_000_000) throw new SynthOptionsError(`an output of ${width ?? maxWidth}×${height} is too large (at most 1,000,000 pixels)`);
  let words: readonly string[];
  if (o.words !== undefined) {
    if (!Array.isArray(o.words)) throw new SynthOptionsError('words must be an array of strings');
    if (o.words.length > 1_000_000) throw new SynthOptionsError(`at most 1,000,000 words, got ${o.words.length}`);
    const bad = o.words.filter((w) => typeof w !== 'string' || [...w].length > maxLength || !inCharset(w, charset, symbols));
    if (bad.length > 0) throw new SynthOptionsError(`${bad.length} word(s) are empty, longer than ${maxLength} or outside charset '${charset.name}', e.g. ${JSON.stringify(bad.slice(0, 3))}`);
    words = o.words;
  } else {
    words = defaultWords.filter((w) => [...w].length <= maxLength && inCharset(w, charset, symbols));
  }
  const hasDigits = [...'0123456789'].every((d) => symbols.has(d));
  const digitsRatio = prob(o.digitsRatio, hasDigits ? (rich ? 0.06 : 0.1) : 0, 'digitsRatio');
  if (digitsRatio > 0 && !hasDigits) throw new SynthOptionsError(`digitsRatio is ${digitsRatio} but charset '${charset.name}' has no digits`);
  if (words.length === 0 && digitsRatio < 1) throw new EmptyVocabularyError(`no word of the vocabulary fits charset '${charset.name}' and maxLength ${maxLength}`);
  const maxDigits = intIn(o.maxDigits, Math.min(8, maxLength), 1, maxLength, 'maxDigits');
  const kase = o.case ?? 'random';
  if (!['random', 'lower', 'upper', 'as-is'].includes(kase)) throw new SynthOptionsError(`case must be random, lower, upper or as-is, got '${String(kase)}'`);
  // A capitals-only face would draw a lowercase label in capitals: skip it when labels are case-sensitive
  // and the charset has no capitals (unless asked for by name).
  let fonts = !charset.lowercase && !symbols.has('A') ? available.filter((f) => f.capsOnly !== true) : available;
  if (o.fonts !== undefined) {
    const missing = o.fonts.filter((f) => !available.some((a) => a.family === f));
    if (missing.length > 0) throw new SynthOptionsError(`unknown font(s) ${missing.join(', ')}; available: ${available.map((a) => a.family).join(', ')}`);
    fonts = available.filter((a) => o.fonts!.includes(a.family));
  }
  if (fonts.length === 0) throw new SynthOptionsError('no font to draw with');
  const augment = o.augment === undefined ? (rich ? RICH_AUGMENT : SYNTH_AUGMENT) : o.augment;
  if (augment !== false) {
    try {
      checkAugmentOptions(augment);
    } catch (err) {
      throw new SynthOptionsError((err as Error).message);
    }
    if (augment.crop !== undefined && augment.crop.p > 0) throw new SynthOptionsError('augment.crop would change the fixed output height; crop the samples downstream instead');
  }
  const images: readonly RgbaImage[] = o.backgroundImages ?? [];
  if (images.length > 1000) throw new SynthOptionsError(`backgroundImages must be an array of at most 1000 images, got ${String(images.length)}`);
  for (const img of images) checkRgba(img); // EmptyImageError, ImageTooLargeError, InvalidArgumentError
  return {
    style,
    backgroundImages: images,
    imageBackgrounds: prob(o.imageBackgrounds, 0.5, 'imageBackgrounds'),
    seed: (o.seed ?? 0) >>> 0,
    words,
    charset,
    maxLength,
    digitsRatio,
    maxDigits,
    case: kase,
    height,
    width,
    minWidth,
    maxWidth,
    fonts,
    perspective: chance(o.perspective, { p: 0.5, strength: 0.1 }, 0.5, 'perspective'),
    curve: chance(o.curve, { p: 0.3, strength: 0.15 }, 0.5, 'curve'),
    rotate: chance(o.rotate, { p: 0.3, strength: 3 }, 45, 'rotate'),
    border: prob(o.border, 0.25, 'border'),
    shadow: prob(o.shadow, 0.25, 'shadow'),
    augment,
  };
}

/** FNV-1a over the options that shape the stream: a resumed state must come from the same options. */
export function fingerprint(o: ResolvedOptions): string {
  const text = JSON.stringify([...(o.style === 'basic' ? [] : [o.style]), o.seed, o.words.length, o.words.slice(0, 64), o.words.length > 64 ? o.words[o.words.length - 1] : '', o.charset.name, o.charset.symbols.join(''), o.maxLength, o.digitsRatio, o.maxDigits, o.case, o.height, o.width, o.minWidth, o.maxWidth, o.fonts.map((f) => f.family), o.perspective, o.curve, o.rotate, o.border, o.shadow, o.augment, o.imageBackgrounds, o.backgroundImages.map(imageDigest)]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  // Long vocabularies: fold every word in as well.
  for (const w of o.words) for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Size and an FNV-1a of every 97th byte: tells background image sets apart for the fingerprint. */
function imageDigest(img: RgbaImage): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < img.data.length; i += 97) h = Math.imul(h ^ img.data[i]!, 0x01000193) >>> 0;
  return `${img.width}x${img.height}:${h.toString(16)}`;
}

const luma = (c: Rgb): number => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
const randRgb = (rng: Random): Rgb => [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
/** A random colour pulled towards its grey by up to 85%: natural scenes are rarely fully saturated. */
const muted = (rng: Random): Rgb => {
  const c = randRgb(rng);
  const l = Math.round(luma(c));
  return mix(c, [l, l, l], rng.uniform(0, 0.85));
};
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [Math.round(a[0] + (b[0] - a[0]) * t), Math.round(a[1] + (b[1] - a[1]) * t), Math.round(a[2] + (b[2] - a[2]) * t)];

/** A colour at least `gap` (0–255 luma) away from `from`: moved towards black or white as needed. */
function contrasting(rng: Random, from: Rgb, gap: number): Rgb {
  const c = muted(rng);
  const lf = luma(from);
  const target: Rgb = lf > 127 ? [0, 0, 0] : [255, 255, 255];
  const lc = luma(c);
  const need = lf > 127 ? lc <= lf - gap : lc >= lf + gap;
  if (need) return c;
  const lt = luma(target);
  const want = lf > 127 ? lf - gap : lf + gap;
  const t = Math.min(1, Math.max(0, (want - lc) / (lt - lc)));
  return mix(c, target, t);
}

function caseOf(word: string, kase: ResolvedOptions['case'], rng: Random): string {
  const k = kase === 'random' ? rng.next() : -1;
  if (kase === 'lower' || (k >= 0 && k < 0.5)) return word.toLowerCase();
  if (kase === 'upper' || k >= 0.75) return word.toUpperCase();
  if (kase === 'as-is') return word;
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

/** Plans sample `index`, drawing from `rng` in a fixed order. */
export function planSample(rng: Random, index: number, o: ResolvedOptions, symbols: ReadonlySet<string>): RenderParams {
  if (o.style === 'rich') return planRich(rng, index, o, symbols);
  // Text.
  let source: string;
  if (rng.next() < o.digitsRatio || o.words.length === 0) {
    const n = rng.int(1, o.maxDigits);
    source = '';
    for (let i = 0; i < n; i++) source += String(rng.int(0, 9));
  } else {
    source = rng.pick(o.words);
  }
  const font = rng.pick(o.fonts);
  let text = caseOf(source, o.case, rng);
  if (font.capsOnly === true) text = text.toUpperCase();
  if (!inCharset(text, o.charset, symbols)) text = source; // a case change left the charset
  const label = o.charset.lowercase ? text.toLowerCase() : text;
  // Colours.
  const bg0 = muted(rng);
  const bg1 = mix(bg0, muted(rng), rng.uniform(0.15, 0.6));
  const fill = contrasting(rng, mix(bg0, bg1, 0.5), rng.uniform(60, 140));
  const fillOpacity = rng.chance(0.2) ? rng.uniform(0.7, 1) : 1;
  const bk = rng.next();
  let background: Background;
  if (bk < 0.3) background = { kind: 'solid', color: bg0 };
  else if (bk < 0.55) background = { kind: 'gradient', colors: [bg0, bg1], angle: rng.uniform(0, Math.PI * 2) };
  else if (bk < 0.8) background = { kind: 'texture', colors: [bg0, bg1], cell: rng.int(2, 12), seed: rng.seed() };
  else background = { kind: 'clutter', colors: [bg0, bg1], shapes: rng.int(2, 8), seed: rng.seed() };
  // Only with images given does this draw, so streams without images are unchanged by the option.
  if (o.backgroundImages.length > 0 && rng.chance(o.imageBackgrounds)) {
    const w = rng.uniform(0.2, 1);
    const h = rng.uniform(0.2, 1);
    background = { kind: 'image', color: bg0, image: rng.int(0, o.backgroundImages.length - 1), window: [rng.uniform(0, 1 - w), rng.uniform(0, 1 - h), w, h], amp: rng.uniform(0.3, 0.9) };
  }
  const hasBorder = rng.chance(o.border);
  const border = hasBorder ? { width: rng.uniform(0.03, 0.09), color: contrasting(rng, fill, 80) } : null;
  const hasShadow = rng.chance(o.shadow);
  const shadow = hasShadow
    ? { dx: rng.uniform(-0.1, 0.1), dy: rng.uniform(0.02, 0.12), blur: rng.uniform(0, 0.08), color: mix(bg0, [0, 0, 0], rng.uniform(0.5, 1)), opacity: rng.uniform(0.4, 0.9) }
    : null;
  // Geometry.
  const pad: [number, number, number, number] = [rng.uniform(0.02, 0.35), rng.uniform(0.04, 0.2), rng.uniform(0.02, 0.35), rng.uniform(0.04, 0.2)];
  // Arithmetic only in plans: Math.exp/log differ in the last bit between Node's and Chromium's V8.
  const stretch = rng.uniform(0.8, 1.25);
  const perspective = [0, 0, 0, 0, 0, 0, 0, 0] as RenderParams['perspective'];
  if (rng.chance(o.perspective.p)) {
    // Corners move mostly outwards (more background shows), a third as far inwards: the word is rarely cut.
    const s = o.perspective.strength;
    const outward = [-1, -1, 1, -1, 1, 1, -1, 1];
    for (let i = 0; i < 8; i++) perspective[i] = outward[i]! * rng.uniform(-s / 3, s);
  }
  const curve = rng.chance(o.curve.p) ? rng.uniform(-o.curve.strength, o.curve.strength) : 0;
  const augmentSeed = o.augment === false ? null : rng.seed();
  const rotation = rng.chance(o.rotate.p) ? rng.uniform(-o.rotate.strength, o.rotate.strength) : 0;
  return { index, text, label, font: font.family, fill, fillOpacity, border, shadow, background, pad, stretch, perspective, curve, rotation, augmentSeed };
}

/** The rich style's plan (rich.ts): text, font with every glyph, colours, background, outline and
 *  shadow as the basic style, then its geometry, neighbours and degradations. */
function planRich(rng: Random, index: number, o: ResolvedOptions, symbols: ReadonlySet<string>): RenderParams {
  const fits = (s: string): boolean => [...s].length <= o.maxLength && inCharset(s, o.charset, symbols);
  const source = richText(rng, { words: o.words, digitsRatio: o.digitsRatio, maxDigits: o.maxDigits, maxLength: o.maxLength, fits });
  let text = o.case === 'lower' ? source.toLowerCase() : o.case === 'upper' ? source.toUpperCase() : source;
  if (!fits(text)) text = source;
  const font = pickFont(rng, text, o.fonts);
  if ((font.capsOnly === true || font.capsLike === true) && fits(text.toUpperCase())) text = text.toUpperCase();
  const label = o.charset.lowercase ? text.toLowerCase() : text;
  const { fill, bg0, bg1, patch } = richColors(rng, () => {
    const b0 = muted(rng);
    const b1 = mix(b0, muted(rng), rng.uniform(0.15, 0.6));
    return { bg0: b0, bg1: b1, fill: contrasting(rng, mix(b0, b1, 0.5), rng.uniform(50, 140)) };
  }, (from) => contrasting(rng, from, rng.uniform(60, 130)));
  const fillOpacity = rng.chance(0.15) ? rng.uniform(0.75, 1) : 1;
  let background: Background;
  if (patch !== null) background = patch;
  else {
    // No 'clutter' bars here: their random tints can take the text's colour (neighbouring text and
    // real patches bring the clutter instead).
    const bk = rng.next();
    if (bk < 0.35) background = { kind: 'solid', color: bg0 };
    else if (bk < 0.65) background = { kind: 'gradient', colors: [bg0, bg1], angle: rng.uniform(0, Math.PI * 2) };
    else background = { kind: 'texture', colors: [bg0, bg1], cell: rng.int(2, 12), seed: rng.seed() };
  }
  if (o.backgroundImages.length > 0 && rng.chance(o.imageBackgrounds)) {
    const w = rng.uniform(0.2, 1);
    const h = rng.uniform(0.2, 1);
    background = { kind: 'image', color: bg0, image: rng.int(0, o.backgroundImages.length - 1), window: [rng.uniform(0, 1 - w), rng.uniform(0, 1 - h), w, h], amp: rng.uniform(0.3, 0.9) };
  }
  const border = rng.chance(o.border) ? { width: rng.uniform(0.03, 0.09), color: contrasting(rng, fill, 80) } : null;
  const shadow = rng.chance(o.shadow)
    ? { dx: rng.uniform(-0.1, 0.1), dy: rng.uniform(0.02, 0.12), blur: rng.uniform(0, 0.08), color: mix(bg0, [0, 0, 0], rng.uniform(0.5, 1)), opacity: rng.uniform(0.4, 0.9) }
    : null;
  const layout = richLayout(rng, text, o.words, fill);
  const augmentSeed = o.augment === false ? null : rng.seed();
  return { index, text, label, font: font.family, fill, fillOpacity, border, shadow, background, pad: layout.pad, stretch: layout.stretch, perspective: layout.perspective, curve: layout.curve, rotation: layout.rotation, augmentSeed, rich: layout.rich };
}
