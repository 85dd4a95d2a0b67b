import { describe, expect, it } from 'vitest';
import { ALLOW_SETS, classMask, parseAllow } from './allow.ts';
import { AttentionCodec } from './attention.ts';
import { getCharset, CHARSETS } from './charset.ts';
import { CtcCodec } from './ctc.ts';

describe('parseAllow', () => {
  it('reads set names, literal characters and chars:…', () => {
    expect(parseAllow(undefined)).toBeNull();
    expect(parseAllow('all')).toBeNull();
    expect([...parseAllow('digits')!].join('')).toBe('0123456789');
    expect(parseAllow('alnum')!.size).toBe(62);
    expect(parseAllow('latin')!.has(' ')).toBe(true);
    expect([...parseAllow('xyz-')!].sort().join('')).toBe('-xyz');
    // A literal that happens to be a set name is written with chars:.
    expect([...parseAllow('chars:digits')!].sort().join('')).toBe('dgist');
  });
  it('refuses an empty set by name', () => {
    expect(() => parseAllow('chars:')).toThrow(/allows no character/);
    expect(() => parseAllow('')).toThrow(/allows no character/);
  });
  it('has a label for each named set', () => {
    for (const s of Object.values(ALLOW_SETS)) expect(s.label.length).toBeGreaterThan(0);
  });
});

describe('classMask', () => {
  it('keeps the blank and masks symbols (CTC layout)', () => {
    const cs = CHARSETS.en_dict_space;
    const codec = new CtcCodec(cs);
    const m = classMask(cs, parseAllow('digits')!, codec.numClasses, codec.firstSymbol);
    expect(m[0]).toBe(1);
    expect(m.reduce((a, b) => a + b, 0)).toBe(1 + 10);
    expect(m[1 + cs.symbols.indexOf('7')]).toBe(1);
    expect(m[1 + cs.symbols.indexOf('A')]).toBe(0);
  });
  it('keeps [GO] and EOS (attention layout) and folds case for lowercase charsets', () => {
    const cs = getCharset('alnum36');
    const codec = new AttentionCodec(cs);
    const m = classMask(cs, parseAllow('upper')!, codec.numClasses, codec.firstSymbol);
    expect([m[0], m[1]]).toEqual([1, 1]);
    expect(m.reduce((a, b) => a + b, 0)).toBe(2 + 36);
  });
  it('refuses a set that allows none of the charset', () => {
    const cs = getCharset('alnum36');
    expect(() => classMask(cs, parseAllow('chars:%&')!, 37, 1, 'chars:%&')).toThrow(/allows none of the 36 characters/);
  });
});

describe('greedy decoding under a mask', () => {
  it('CTC takes the best allowed class of each frame', () => {
    const cs = getCharset('alnum36');
    const codec = new CtcCodec(cs);
    const C = codec.numClasses;
    const probs = new Float32Array(3 * C);
    const at = (t: number, sym: string, p: number): void => void (probs[t * C + 1 + cs.symbols.indexOf(sym)] = p);
    at(0, 'a', 0.6);
    at(0, '4', 0.3);
    at(1, 'b', 0.7);
    at(1, '2', 0.2);
    probs[2 * C] = 0.9; // blank
    expect(codec.decodeGreedy(probs, 3).text).toBe('ab');
    const mask = classMask(cs, parseAllow('digits')!, C, codec.firstSymbol);
    const d = codec.decodeGreedy(probs, 3, mask);
    expect(d.text).toBe('42');
    expect(d.charConfidences.map((c) => Number(c.toFixed(3)))).toEqual([0.3, 0.2]);
  });
  it('attention stops at EOS and skips masked symbols', () => {
    const cs = getCharset('alnum36');
    const codec = new AttentionCodec(cs);
    const C = codec.numClasses;
    const probs = new Float32Array(2 * C);
    probs[2 + cs.symbols.indexOf('x')] = 0.8;
    probs[2 + cs.symbols.indexOf('9')] = 0.1;
    probs[C + 1] = 0.9; // EOS
    expect(codec.decodeGreedy(probs, 2).text).toBe('x');
    expect(codec.decodeGreedy(probs, 2, classMask(cs, parseAllow('digits')!, C, codec.firstSymbol)).text).toBe('9');
  });
});
