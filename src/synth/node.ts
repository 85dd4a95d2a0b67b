/**
 * The generator in Node: `@napi-rs/canvas` draws the text with the same woff2 files the browser loads
 * (resolved from node_modules, registered with `GlobalFonts.registerFromPath`), plus any font files
 * given by path.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { GlobalFonts, Image, createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { decodeNode } from '../image/decode_node.ts';
import type { RgbaImage } from '../image/types.ts';
import { FontLoadError, SynthOptionsError } from './errors.ts';
import { DEFAULT_FONTS, type FontStyle, type SynthFont } from './fonts.ts';
import type { SynthOptions } from './plan.ts';
import { SynthSource } from './source.ts';
import type { CanvasProvider } from './types.ts';

const registered = new Map<string, string>();
const require = createRequire(import.meta.url);

/** Registers a font file under `family` (once per process; a second file for one family is refused). */
export function registerNodeFont(family: string, file: string): void {
  const prev = registered.get(family);
  if (prev === file) return;
  if (prev !== undefined) throw new FontLoadError(`font family '${family}' is already registered from ${prev}`);
  if (!existsSync(file)) throw new FontLoadError(`font file not found: ${file}`);
  const key = GlobalFonts.registerFromPath(file, family);
  if (key === null || key === undefined) throw new FontLoadError(`${file} is not a font @napi-rs/canvas can read`);
  registered.set(family, file);
}

/** Resolves the shipped fonts' files in node_modules. */
export function resolveFontFile(font: SynthFont): string {
  try {
    return require.resolve(font.file);
  } catch {
    throw new FontLoadError(`font ${font.family}: cannot resolve ${font.file} (is the @fontsource package installed?)`);
  }
}

export interface NodeSynthOptions extends SynthOptions {
  /** Extra font files (ttf, otf, woff2): family = file name without extension, prefixed `user-`. */
  fontFiles?: readonly string[];
  /**
   * The folder of fonts fetched by scripts/fonts/fetch_fonts.ts (its manifest.json), or false. Default:
   * `$WEBSTR_FONT_CACHE` or the repository's `.cache/fonts` for the rich style when it exists, none for
   * the basic style (whose samples must not depend on what a machine has fetched).
   */
  fontCache?: string | false;
}

/** The repository's font cache folder (scripts/fonts/fetch_fonts.ts writes it). */
export function defaultFontCache(): string {
  return process.env.WEBSTR_FONT_CACHE ?? fileURLToPath(new URL('../../.cache/fonts', import.meta.url));
}

interface CachedFace {
  family: string;
  file: string;
  style: FontStyle;
  capsOnly: boolean;
  missing: string;
}

/** The faces listed in a font cache's manifest.json (files checked to exist), not yet registered. */
export function readFontCache(dir: string): SynthFont[] {
  const file = path.join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FontLoadError(`font cache ${file} cannot be read: ${(err as Error).message}`);
  }
  const m = json as { format?: unknown; faces?: unknown };
  if (m.format !== 'webstr-font-cache' || !Array.isArray(m.faces)) throw new FontLoadError(`${file} is not a webstr font cache manifest`);
  const styles: FontStyle[] = ['sans', 'serif', 'mono', 'display', 'handwriting'];
  return (m.faces as CachedFace[]).map((f) => {
    if (typeof f.family !== 'string' || typeof f.file !== 'string' || !styles.includes(f.style) || typeof f.missing !== 'string') throw new FontLoadError(`${file}: malformed face ${JSON.stringify(f).slice(0, 120)}`);
    const abs = path.resolve(dir, f.file);
    if (!abs.startsWith(path.resolve(dir) + path.sep)) throw new FontLoadError(`${file}: face ${f.family} points outside the cache (${f.file})`);
    return { family: f.family, file: abs, style: f.style, ...(f.capsOnly ? { capsOnly: true } : {}), ...(f.missing !== '' ? { missing: f.missing } : {}) };
  });
}

let atlas: RgbaImage | null = null;

/** The rich style's atlas of real background patches (assets/patches.jpg), decoded once per process. */
export function loadPatchAtlas(): RgbaImage {
  if (atlas !== null) return atlas;
  const file = fileURLToPath(new URL('./assets/patches.jpg', import.meta.url));
  const img = new Image();
  img.src = readFileSync(file);
  if (img.width === 0 || img.height === 0) throw new SynthOptionsError(`${file} does not decode`);
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, img.width, img.height);
  atlas = { width: img.width, height: img.height, data: new Uint8ClampedArray(d.data) };
  return atlas;
}

/** A canvas provider over one reusable @napi-rs/canvas canvas. */
export function nodeCanvasProvider(): CanvasProvider {
  let canvas: Canvas | null = null;
  let ctx: SKRSContext2D | null = null;
  return (w, h) => {
    if (canvas === null || ctx === null) {
      canvas = createCanvas(w, h);
      ctx = canvas.getContext('2d');
    } else {
      canvas.width = w;
      canvas.height = h;
    }
    return ctx;
  };
}

export function createNodeSynth(options: NodeSynthOptions = {}): SynthSource {
  const fonts: SynthFont[] = [];
  for (const f of DEFAULT_FONTS) {
    registerNodeFont(f.family, resolveFontFile(f));
    fonts.push(f);
  }
  const rich = options.style === 'rich';
  const cache = options.fontCache ?? (rich && existsSync(path.join(defaultFontCache(), 'manifest.json')) ? defaultFontCache() : false);
  if (cache !== false) {
    // The cache's copies of the shipped families are left out: those faces are here already.
    const shipped = new Set(DEFAULT_FONTS.map((f) => f.file.split('/')[1]));
    for (const f of readFontCache(cache)) {
      if (shipped.has(path.basename(path.dirname(f.file)))) continue;
      registerNodeFont(f.family, f.file);
      fonts.push(f);
    }
  }
  for (const file of options.fontFiles ?? []) {
    const family = `user-${path.basename(file).replace(/\.[^.]+$/, '')}`;
    registerNodeFont(family, path.resolve(file));
    fonts.push({ family, file, style: 'sans' });
  }
  const { fontFiles: _ignored, fontCache: _cache, ...rest } = options;
  return new SynthSource(rest, fonts, nodeCanvasProvider(), rich ? { patches: loadPatchAtlas() } : {});
}

const IMAGE_EXT = /\.(png|jpe?g|webp|bmp|gif)$/i;

/** Decodes background images from files and folders (one level; ≤ 1000 images, each ≤ 64 MiB). */
export async function loadBackgroundImages(paths: readonly string[]): Promise<RgbaImage[]> {
  const files: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (st === undefined) throw new SynthOptionsError(`no such background image or folder: ${p}`);
    if (st.isDirectory()) for (const n of (await readdir(p)).sort()) { if (IMAGE_EXT.test(n)) files.push(path.join(p, n)); }
    else files.push(p);
    if (files.length > 1000) throw new SynthOptionsError('at most 1000 background images');
  }
  const out: RgbaImage[] = [];
  for (const f of files) {
    if ((await stat(f)).size > 64 * 2 ** 20) throw new SynthOptionsError(`${f} is over 64 MiB`);
    out.push(await decodeNode(new Uint8Array(await readFile(f))));
  }
  return out;
}
