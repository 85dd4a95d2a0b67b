/**
 * The generator in a browser worker (or a page): `OffscreenCanvas` draws the text, with the shipped
 * woff2 faces loaded through `FontFace` into the scope's `FontFaceSet` (`self.fonts` in a worker), plus
 * fonts the user gives (File / Blob / bytes). Same planner and renderer as Node.
 */
import { FontLoadError, SynthOptionsError } from './errors.ts';
import { DEFAULT_FONTS, type SynthFont } from './fonts.ts';
import { FONT_URLS, PATCH_ATLAS_URL } from './font_urls.ts';
import { decodeBrowser } from '../image/decode_browser.ts';
import type { SynthOptions } from './plan.ts';
import { SynthSource } from './source.ts';
import type { CanvasProvider } from './types.ts';
import type { RgbaImage } from '../image/types.ts';

export interface UserFont {
  /** Becomes the family `user-<name without extension>`. */
  name: string;
  data: Blob | ArrayBuffer | Uint8Array;
}

export interface BrowserSynthOptions extends SynthOptions {
  /** Load the shipped faces (default true). */
  shippedFonts?: boolean;
  userFonts?: readonly UserFont[];
  /** Where the shipped faces are (default: the build's asset URLs). */
  fontUrls?: Readonly<Record<string, string>>;
  /** Where the rich style's atlas of background patches is (default: the build's asset URL). */
  patchAtlasUrl?: string;
}

interface FontScope {
  fonts: { add(face: FontFace): unknown; check(font: string): boolean };
}

const loaded = new Map<string, Promise<void>>();

async function loadFace(family: string, data: () => Promise<ArrayBuffer>): Promise<void> {
  let p = loaded.get(family);
  if (p === undefined) {
    p = (async () => {
      const scope = globalThis as unknown as Partial<FontScope> & { document?: { fonts: FontScope['fonts'] } };
      const set = scope.fonts ?? scope.document?.fonts;
      if (set === undefined) throw new FontLoadError('this scope has no FontFaceSet (self.fonts / document.fonts)');
      let face: FontFace;
      try {
        face = new FontFace(family, await data());
        await face.load();
      } catch (err) {
        throw new FontLoadError(`font ${family} could not be loaded: ${(err as Error).message}`);
      }
      set.add(face);
    })();
    loaded.set(family, p);
    p.catch(() => loaded.delete(family));
  }
  return p;
}

async function bytesOf(d: Blob | ArrayBuffer | Uint8Array): Promise<ArrayBuffer> {
  if (d instanceof ArrayBuffer) return d;
  if (d instanceof Uint8Array) return d.slice().buffer;
  return d.arrayBuffer();
}

/** A canvas provider over one reusable OffscreenCanvas. */
export function offscreenCanvasProvider(): CanvasProvider {
  let canvas: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  return (w, h) => {
    if (canvas === null || ctx === null) {
      canvas = new OffscreenCanvas(w, h);
      ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (ctx === null) throw new SynthOptionsError('OffscreenCanvas 2D is not available here');
    } else {
      canvas.width = w;
      canvas.height = h;
    }
    return ctx;
  };
}

export async function createBrowserSynth(options: BrowserSynthOptions = {}): Promise<SynthSource> {
  const { shippedFonts = true, userFonts = [], fontUrls = FONT_URLS, patchAtlasUrl = PATCH_ATLAS_URL, ...rest } = options;
  const fonts: SynthFont[] = [];
  const jobs: Promise<void>[] = [];
  if (shippedFonts) {
    for (const f of DEFAULT_FONTS) {
      const url = fontUrls[f.family];
      if (url === undefined) throw new FontLoadError(`no URL for font ${f.family}`);
      jobs.push(loadFace(f.family, async () => {
        const r = await fetch(url);
        if (!r.ok) throw new FontLoadError(`${url}: HTTP ${r.status}`);
        return r.arrayBuffer();
      }));
      fonts.push(f);
    }
  }
  for (const u of userFonts) {
    const family = `user-${u.name.replace(/\.[^.]+$/, '')}`;
    jobs.push(loadFace(family, () => bytesOf(u.data)));
    fonts.push({ family, file: u.name, style: 'sans' });
  }
  await Promise.all(jobs);
  let patches: RgbaImage | undefined;
  if (rest.style === 'rich') {
    const r = await fetch(patchAtlasUrl);
    if (!r.ok) throw new SynthOptionsError(`${patchAtlasUrl}: HTTP ${r.status} (the rich style's background patches)`);
    patches = await decodeBrowser(new Uint8Array(await r.arrayBuffer()));
  }
  return new SynthSource(rest, fonts, offscreenCanvasProvider(), patches === undefined ? {} : { patches });
}
