import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FONTS } from '../../src/synth/fonts.ts';
import type { PinnedFont } from './fetch_fonts.ts';
import { FontParseError, fontCmap } from './woff2.ts';

const require = createRequire(import.meta.url);
const printable = (glyph: (cp: number) => number): string => {
  let missing = '';
  for (let c = 0x21; c < 0x7f; c++) if (glyph(c) === 0) missing += String.fromCharCode(c);
  return missing;
};

describe('woff2 cmap reader', () => {
  it('maps every printable ASCII character of the bundled faces, and nothing outside their Latin subset', () => {
    for (const f of DEFAULT_FONTS) {
      const glyph = fontCmap(new Uint8Array(readFileSync(require.resolve(f.file))));
      expect(printable(glyph), f.family).toBe(f.missing ?? '');
      expect(glyph(0x3a9), `${f.family}: Ω is not Latin`).toBe(0);
    }
    const roboto = fontCmap(new Uint8Array(readFileSync(require.resolve(DEFAULT_FONTS[0]!.file))));
    expect(roboto(0x41)).not.toBe(roboto(0x61));
    expect(roboto(0xe9)).toBeGreaterThan(0);
  });

  it('refuses what is not a font', () => {
    expect(() => fontCmap(new Uint8Array(64))).toThrow(FontParseError);
    expect(() => fontCmap(new Uint8Array([0x77, 0x4f, 0x46, 0x32, ...new Array<number>(60).fill(0)]))).toThrow(FontParseError);
  });
});

describe('the pinned font list', () => {
  const pins = JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'fonts.json'), 'utf8')) as PinnedFont[];
  it('has a few hundred families of every kind, each with a version, a sha512 and an open licence', () => {
    expect(pins.length).toBeGreaterThanOrEqual(200);
    expect(new Set(pins.map((p) => p.name)).size).toBe(pins.length);
    for (const k of ['sans', 'serif', 'mono', 'display', 'handwriting'] as const) expect(pins.filter((p) => p.category === k).length, k).toBeGreaterThanOrEqual(25);
    for (const p of pins) {
      expect(p.name).toMatch(/^[a-z0-9-]+$/);
      expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(p.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
      expect(['OFL-1.1', 'Apache-2.0', 'UFL-1.0', 'Unlicense']).toContain(p.licence);
    }
  });
});
