import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getCharset } from '../text/charset.ts';
import { FontLoadError, SynthOptionsError } from './errors.ts';
import { DEFAULT_FONTS } from './fonts.ts';
import { createNodeSynth, nodeCanvasProvider, readFontCache } from './node.ts';
import { tinySynthOptions } from './plan.ts';
import { PATCH_COUNT, STYLE_WEIGHTS, fontsFor, legible, patchMeanColors, patchTextColors, pickFont, realPairs } from './rich.ts';
import { Rng } from '../image/rng.ts';
import type { SynthFont } from './fonts.ts';
import { SynthSource } from './source.ts';
import type { RenderParams, Rgb } from './types.ts';

const fnv = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
};
const digest = (ps: RenderParams[]): string => fnv(ps.map((p) => JSON.stringify(p)).join(''));

// The bundled faces only: what a machine has fetched into .cache/fonts must not change these streams.
const rich = { style: 'rich', seed: 11, fontCache: false } as const;

describe('basic style: unchanged by the rich style', () => {
  it('plans the same samples as before it existed (digests recorded on the previous generator)', () => {
    expect(digest(createNodeSynth({ seed: 7 }).plan(40))).toBe('3b4eab9b');
    expect(digest(createNodeSynth(tinySynthOptions({ seed: 5 })).plan(40))).toBe('ea575975');
    expect(createNodeSynth({ seed: 7, style: 'basic' }).getState()).toEqual(createNodeSynth({ seed: 7 }).getState());
  });
});

describe('rich style', () => {
  it('is seeded, resumable, and its fingerprint differs from the basic style', async () => {
    const a = createNodeSynth(rich).nextWithParams(16);
    const b = createNodeSynth(rich).nextWithParams(16);
    expect(a.map((s) => s.params)).toEqual(b.map((s) => s.params));
    for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i]!.image.data).equals(Buffer.from(b[i]!.image.data))).toBe(true);
    const first = createNodeSynth(rich);
    await first.next(10);
    const resumed = createNodeSynth(rich);
    resumed.setState(JSON.parse(JSON.stringify(first.getState())) as Record<string, unknown>);
    expect(resumed.plan(6)).toEqual(a.slice(10).map((s) => s.params));
    expect(createNodeSynth(rich).getState().fingerprint).not.toBe(createNodeSynth({ seed: 11 }).getState().fingerprint);
  });

  it('draws case variants, digits and punctuation within en_dict_space, with every layout and degradation', () => {
    const src = createNodeSynth(rich);
    const ps = src.plan(1500);
    const symbols = new Set(getCharset('en_dict_space').symbols);
    expect(src.options.charset.name).toBe('en_dict_space');
    for (const p of ps) {
      expect([...p.label].every((c) => symbols.has(c) && c !== ' '), p.label).toBe(true);
      expect(p.label.length).toBeGreaterThan(0);
      expect(p.label.length).toBeLessThanOrEqual(25);
      expect(p.rich).toBeDefined();
    }
    const share = (f: (p: RenderParams) => boolean): number => ps.filter(f).length / ps.length;
    expect(share((p) => /^[a-z]+$/.test(p.label))).toBeGreaterThan(0.15);
    expect(share((p) => /^[A-Z][a-z]+$/.test(p.label))).toBeGreaterThan(0.1);
    expect(share((p) => /^[A-Z]{2,}$/.test(p.label))).toBeGreaterThan(0.1);
    expect(share((p) => /[0-9]/.test(p.label))).toBeGreaterThan(0.12);
    expect(share((p) => /[^A-Za-z0-9]/.test(p.label))).toBeGreaterThan(0.12);
    expect(share((p) => p.rich!.arc > 0)).toBeGreaterThan(0.04);
    expect(share((p) => p.rich!.arc < 0)).toBeGreaterThan(0.04);
    expect(share((p) => Math.abs(p.rotation) > 10)).toBeGreaterThan(0.03);
    expect(Math.max(...ps.map((p) => Math.abs(p.rotation)))).toBeLessThanOrEqual(30);
    expect(share((p) => p.perspective.some((v) => v !== 0))).toBeGreaterThan(0.1);
    expect(share((p) => p.rich!.spacing !== null)).toBeGreaterThan(0.2);
    expect(share((p) => p.stretch < 0.8)).toBeGreaterThan(0.15);
    expect(share((p) => p.rich!.neighbours.left !== '' || p.rich!.neighbours.right !== '')).toBeGreaterThan(0.25);
    expect(share((p) => p.pad.some((v) => v < 0))).toBeGreaterThan(0.05);
    expect(share((p) => p.rich!.jpeg > 0)).toBeGreaterThan(0.2);
    expect(share((p) => p.rich!.lowRes < 1)).toBeGreaterThan(0.15);
    expect(share((p) => p.background.kind === 'patch')).toBeGreaterThan(0.2);
    // Colours of real crops: the text stays legible on its background.
    for (const p of ps) {
      const b = p.background;
      const bg = b.kind === 'patch' ? (patchMeanColors()[b.patch]!.map((c) => c * b.gain) as Rgb) : b.kind === 'solid' ? b.color : null;
      if (bg !== null) expect(legible(p.fill, bg), `${p.label}: ${JSON.stringify(p.fill)} on ${JSON.stringify(bg)}`).toBe(true);
    }
  });

  it('renders crops of the planned height whose text contrasts, with neighbours, arcs and JPEG', () => {
    const src = createNodeSynth({ ...rich, height: 32, maxWidth: 400 });
    for (const s of src.nextWithParams(60)) {
      expect(s.image.height).toBe(32);
      expect(s.image.width).toBeGreaterThanOrEqual(8);
      expect(s.image.width).toBeLessThanOrEqual(400);
      expect(s.image.data.length).toBe(s.image.width * 32 * 4);
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < s.image.data.length; i += 4) {
        const l = 0.299 * s.image.data[i]! + 0.587 * s.image.data[i + 1]! + 0.114 * s.image.data[i + 2]!;
        lo = Math.min(lo, l);
        hi = Math.max(hi, l);
      }
      expect(hi - lo, `${s.label} (${s.params.font})`).toBeGreaterThan(25);
    }
  });

  it('draws the kinds of face by their weights, whatever their counts', () => {
    const rng = new Rng(4);
    const fonts: SynthFont[] = [...Array.from({ length: 60 }, (_, i) => ({ family: `h${i}`, file: '', style: 'handwriting' as const })), { family: 's', file: '', style: 'sans' }, { family: 'd', file: '', style: 'display' }];
    const n = 4000;
    const count = { sans: 0, display: 0, handwriting: 0 };
    for (let i = 0; i < n; i++) count[pickFont(rng, 'word', fonts).style as keyof typeof count]++;
    const total = STYLE_WEIGHTS.sans + STYLE_WEIGHTS.display + STYLE_WEIGHTS.handwriting;
    expect(count.handwriting / n).toBeCloseTo(STYLE_WEIGHTS.handwriting / total, 1);
    expect(count.sans / n).toBeCloseTo(STYLE_WEIGHTS.sans / total, 1);
  });

  it('picks a face that has every glyph of the string', () => {
    const fonts = [{ family: 'a', file: 'a', style: 'sans' as const, missing: '%$' }, { family: 'b', file: 'b', style: 'sans' as const }];
    expect(fontsFor('50%', fonts).map((f) => f.family)).toEqual(['b']);
    expect(fontsFor('abc', fonts).map((f) => f.family)).toEqual(['a', 'b']);
    expect(fontsFor('%', [fonts[0]!]).map((f) => f.family)).toEqual(['a']); // none has it: all of them
  });

  it('ships real colours: pairs and a text colour and mean per patch', () => {
    expect(realPairs().length).toBeGreaterThan(1000);
    expect(PATCH_COUNT).toBeGreaterThan(100);
    expect(patchTextColors().length).toBe(PATCH_COUNT);
    expect(patchMeanColors().length).toBe(PATCH_COUNT);
  });

  it('refuses to run without the patch atlas, and an unknown style', () => {
    expect(() => new SynthSource({ style: 'rich' }, DEFAULT_FONTS, nodeCanvasProvider())).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ style: 'fancy' as 'rich' })).toThrow(/style must be basic or rich/);
  });
});

describe('the fetched-font cache (scripts/fonts/fetch_fonts.ts)', () => {
  it('adds its faces to the rich style, with their traits; malformed or escaping manifests are FontLoadError', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'webstr-fontcache-'));
    try {
      mkdirSync(path.join(dir, 'mine'));
      copyFileSync(createRequire(import.meta.url).resolve(DEFAULT_FONTS[12]!.file), path.join(dir, 'mine', 'mine-latin-400-normal.woff2'));
      const face = { family: 'fs-mine-400', file: 'mine/mine-latin-400-normal.woff2', package: '@fontsource/mine', version: '1.0.0', style: 'display', weight: 400, capsOnly: true, missing: '~', licence: 'OFL-1.1' };
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'webstr-font-cache', version: 1, faces: [face] }));
      expect(readFontCache(dir)).toEqual([{ family: 'fs-mine-400', file: path.join(dir, face.file), style: 'display', capsOnly: true, missing: '~' }]);
      const src = createNodeSynth({ style: 'rich', seed: 1, fontCache: dir });
      expect(src.options.fonts.map((f) => f.family)).toEqual([...DEFAULT_FONTS.map((f) => f.family), 'fs-mine-400']);
      const only = createNodeSynth({ style: 'rich', seed: 1, fontCache: dir, fonts: ['fs-mine-400'] }).plan(40);
      for (const p of only) expect(p.text).toBe(p.text.toUpperCase());
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'webstr-font-cache', version: 1, faces: [{ ...face, file: '../../etc/passwd' }] }));
      expect(() => readFontCache(dir)).toThrow(FontLoadError);
      writeFileSync(path.join(dir, 'manifest.json'), '{"format": "something else"}');
      expect(() => readFontCache(dir)).toThrow(FontLoadError);
      expect(() => readFontCache(path.join(dir, 'nowhere'))).toThrow(FontLoadError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
