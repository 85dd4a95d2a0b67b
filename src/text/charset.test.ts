import { describe, expect, it } from 'vitest';
import { CharsetNotLoadedError, EXTERNAL_CHARSETS, charsetSize, getCharset, loadExternalCharset, registerCharset } from './charset.ts';

describe('run-time charsets', () => {
  it('a declared external charset has a size before it is loaded, and getCharset names what is missing', () => {
    expect(charsetSize('ppocr_keys_v1')).toBe(EXTERNAL_CHARSETS.ppocr_keys_v1.symbols);
    expect(charsetSize('alnum36')).toBe(36);
    expect(() => charsetSize('nope')).toThrow(/unknown charset 'nope'/);
  });

  it('loadExternalCharset checks the line count and appends the space', () => {
    expect(() => loadExternalCharset('ppocr_keys_v1', 'a\nb\n')).toThrow(CharsetNotLoadedError);
    expect(() => loadExternalCharset('alnum36', 'a')).toThrow(/not a declared external charset/);
    const lines = Array.from({ length: 6623 }, (_, i) => String.fromCodePoint(0x4e00 + i));
    const c = loadExternalCharset('ppocr_keys_v1', lines.join('\n') + '\n');
    expect(c.symbols.length).toBe(6624);
    expect(c.symbols[0]).toBe('一');
    expect(c.symbols.at(-1)).toBe(' ');
    expect(getCharset('ppocr_keys_v1')).toBe(c);
  });

  it('registerCharset refuses to replace a built-in set or a declared size mismatch', () => {
    expect(() => registerCharset({ name: 'alnum36', symbols: ['a'], lowercase: false })).toThrow(/built in/);
    expect(() => registerCharset({ name: 'ppocr_keys_v1', symbols: ['a'], lowercase: false })).toThrow(CharsetNotLoadedError);
    const mine = registerCharset({ name: 'my-set', symbols: ['x', 'y'], lowercase: false });
    expect(getCharset('my-set')).toBe(mine);
    expect(charsetSize('my-set')).toBe(2);
  });
});
