import { describe, expect, it } from 'vitest';
import { DEFAULT_FONTS } from './fonts.ts';
import { FONT_URLS } from './font_urls.ts';

describe('shipped fonts', () => {
  it('the browser URL table covers exactly the shipped faces, from the same files', () => {
    expect(Object.keys(FONT_URLS).sort()).toEqual(DEFAULT_FONTS.map((f) => f.family).sort());
    for (const f of DEFAULT_FONTS) expect(FONT_URLS[f.family]).toContain(f.file.split('/').pop()!.replace('.woff2', ''));
  });
  it('spans the styles', () => {
    expect(new Set(DEFAULT_FONTS.map((f) => f.style))).toEqual(new Set(['sans', 'serif', 'mono', 'display', 'handwriting']));
  });
});
