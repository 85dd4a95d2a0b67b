import { describe, expect, it } from 'vitest';
import { getPreset } from '../models/presets.ts';
import { confidenceColour, rectifiedLabel, toCsv, toJson, toText, type DemoResult } from './demo_results.ts';

const timings = { decodeMs: 1, preprocessMs: 2, inferMs: 3, postprocessMs: 0.5 };
const results: DemoResult[] = [
  { index: 1, file: 'a.png', bytes: 10, outcome: { ok: true, text: 'Hi, "you"', confidence: 0.9, charConfidences: [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], timings, backend: 'wasm' } },
  { index: 2, file: 'dir/b.txt', bytes: 3, outcome: { ok: false, error: { name: 'ImageDecodeError', message: 'not an image: unknown signature' } } },
];

describe('demo exports', () => {
  it('CSV quotes cells with commas and quotes; errors in their own column', () => {
    expect(toCsv(results).split('\n')).toEqual([
      'file,text,confidence,total_ms,backend,error',
      'a.png,"Hi, ""you""",0.900000,6.50,wasm,',
      'dir/b.txt,,,,,ImageDecodeError: not an image: unknown signature',
      '',
    ]);
  });

  it('JSON keeps per-character confidences and timings; errors by name', () => {
    const parsed = JSON.parse(toJson(results)) as unknown[];
    expect(parsed).toEqual([
      { file: 'a.png', text: 'Hi, "you"', confidence: 0.9, charConfidences: Array(9).fill(0.9), timings, backend: 'wasm' },
      { file: 'dir/b.txt', error: { name: 'ImageDecodeError', message: 'not an image: unknown signature' } },
    ]);
  });

  it('clipboard text is one line per image', () => {
    expect(toText(results)).toBe('a.png\tHi, "you"\ndir/b.txt\t[ImageDecodeError]');
  });

  it('confidence colours run from red to green', () => {
    expect(confidenceColour(0)).toBe('hsl(0 80% 82%)');
    expect(confidenceColour(1)).toBe('hsl(120 80% 82%)');
    expect(confidenceColour(2)).toBe('hsl(120 80% 82%)');
  });

  it('a rectified image only for models with a transform, labelled by it (from the config, not the preset name)', () => {
    expect(rectifiedLabel(getPreset('rare-dtrb').transform)).toBe('rectified by TPS');
    expect(rectifiedLabel(getPreset('trba-dtrb').transform)).toBe('rectified by TPS');
    expect(rectifiedLabel(getPreset('spin-r32').transform)).toBe('after GA-SPIN');
    expect(rectifiedLabel(getPreset('crnn-vgg').transform)).toBeNull();
    expect(rectifiedLabel(getPreset('crnn-mv3-en').transform)).toBeNull();
  });

  it('exports leave the rectified pixels out', () => {
    const rect = { width: 2, height: 1, data: new Uint8ClampedArray(8) };
    const withRect: DemoResult = { index: 1, file: 'r.png', bytes: 1, outcome: { ok: true, text: 'a', confidence: 1, charConfidences: [1], timings, backend: 'wasm', rectified: rect } };
    expect(JSON.parse(toJson([withRect]))).toEqual([{ file: 'r.png', text: 'a', confidence: 1, charConfidences: [1], timings, backend: 'wasm' }]);
  });
});
