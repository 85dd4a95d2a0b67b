/**
 * The generator in Node: `@napi-rs/canvas` draws the text with the same woff2 files the browser loads
 * (resolved from node_modules, registered with `GlobalFonts.registerFromPath`), plus any font files
 * given by path.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { GlobalFonts, createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { decodeNode } from '../image/decode_node.ts';
import type { RgbaImage } from '../image/types.ts';
import { FontLoadError, SynthOptionsError } from './errors.ts';
import { DEFAULT_FONTS, type SynthFont } from './fonts.ts';
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
  for (const file of options.fontFiles ?? []) {
    const family = `user-${path.basename(file).replace(/\.[^.]+$/, '')}`;
    registerNodeFont(family, path.resolve(file));
    fonts.push({ family, file, style: 'sans' });
  }
  const { fontFiles: _ignored, ...rest } = options;
  return new SynthSource(rest, fonts, nodeCanvasProvider());
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
