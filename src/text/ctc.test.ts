import { describe, expect, it } from 'vitest';
import { CHARSETS, EN_DICT, SPIN68, charsetFromDict, getCharset } from './charset.ts';
import { CtcCodec } from './ctc.ts';

describe('charsets', () => {
  it('have the sizes of docs/models.md §3', () => {
    expect(CHARSETS.alnum36.symbols.length).toBe(36);
    expect(SPIN68.length).toBe(68);
    expect(new Set(SPIN68).size).toBe(68);
    expect(EN_DICT.length).toBe(95);
    expect(CHARSETS.en_dict_space.symbols.length).toBe(96);
    expect(new CtcCodec(CHARSETS.en_dict_space).numClasses).toBe(97);
    expect(new CtcCodec(CHARSETS.alnum36).numClasses).toBe(37);
  });
  it('reads a dictionary file and names unknown sets', () => {
    const c = charsetFromDict('x', 'a\nb\nc\n', { appendSpace: true });
    expect(c.symbols).toEqual(['a', 'b', 'c', ' ']);
    expect(() => getCharset('nope')).toThrow(/alnum36, spin68, en_dict_space/);
  });
});

describe('CTC greedy decoding', () => {
  const codec = new CtcCodec(CHARSETS.alnum36);
  function frames(ids: number[], p = 0.9): Float32Array {
    const out = new Float32Array(ids.length * 37).fill((1 - p) / 36);
    ids.forEach((k, t) => (out[t * 37 + k] = p));
    return out;
  }
  it('merges repeats, then drops blanks', () => {
    const a = codec.encode('a')[0]!;
    const b = codec.encode('b')[0]!;
    const r = codec.decodeGreedy(frames([0, a, a, 0, a, b, b, 0]), 8);
    expect(r.text).toBe('aab');
    expect(r.charConfidences).toHaveLength(3);
    expect(r.confidence).toBeCloseTo(0.9, 6);
  });
  it('gives an empty text with confidence 0 for all-blank frames', () => {
    expect(codec.decodeGreedy(frames([0, 0, 0]), 3)).toEqual({ text: '', confidence: 0, charConfidences: [] });
  });
  it('encodes lowercased and drops out-of-set symbols', () => {
    expect(codec.encode('Ab-1')).toEqual([11, 12, 2]);
  });
  it('rejects a wrong-sized input', () => {
    expect(() => codec.decodeGreedy(new Float32Array(10), 3)).toThrow(/expected 3×37/);
  });
});
