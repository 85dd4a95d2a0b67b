import { describe, expect, it } from 'vitest';
import { getCharset } from './charset.ts';
import { AttentionCodec } from './attention.ts';

function onehots(classes: number[], c: number, p = 0.9): Float32Array {
  const out = new Float32Array(classes.length * c).fill((1 - p) / (c - 1));
  classes.forEach((k, t) => (out[t * c + k] = p));
  return out;
}

describe('AttentionCodec', () => {
  const codec = new AttentionCodec(getCharset('alnum36'));
  it('has [GO] 0, EOS 1, symbols from 2', () => {
    expect(codec.numClasses).toBe(38);
    expect(codec.encode('Ab9!')).toEqual([12, 13, 11]);
  });
  it('stops at the first EOS (not PaddleOCR skip-and-continue) and skips [GO]', () => {
    const d = codec.decodeGreedy(onehots([12, 0, 13, 1, 14, 15], 38), 6);
    expect(d.text).toBe('ab');
    expect(d.charConfidences).toHaveLength(2);
    expect(d.confidence).toBeCloseTo(0.9, 6);
  });
  it('reads PaddleOCR RARE\'s layout: sos 0, symbols 1…36, eos 37', () => {
    const c = new AttentionCodec(getCharset('alnum36'), 'sos-eos-last');
    expect(c.eos).toBe(37);
    expect(c.encode('a0')).toEqual([11, 1]);
    expect(c.decodeGreedy(onehots([11, 0, 1, 37, 12], 38), 5).text).toBe('a0');
  });
  it('returns empty text with confidence 0 when the first step is EOS', () => {
    expect(codec.decodeGreedy(onehots([1, 12], 38), 2)).toEqual({ text: '', confidence: 0, charConfidences: [] });
  });
});
