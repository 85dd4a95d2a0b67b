import { describe, expect, it } from 'vitest';
import { evaluate, type EvalDataset } from './runner.ts';
import { buildReport, checkThresholds, reportCsv, reportText } from './report.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

function dataset(name: string, labels: string[], wrong: Set<string>): EvalDataset {
  return {
    name,
    count: labels.length,
    async *samples() {
      for (const [i, label] of labels.entries()) yield await Promise.resolve({ index: i + 1, label, image: enc.encode(wrong.has(label) ? 'x' : label) });
    },
  };
}

describe('report', () => {
  it('carries references, prints the table, checks thresholds, exports CSV', async () => {
    const labels = Array.from({ length: 10 }, (_, i) => `w${i}`);
    const r = await evaluate([dataset('svt_647', labels, new Set(['w1', 'w2', 'w3'])), dataset('mine, "quoted"', ['a'], new Set())], (images) => Promise.resolve(images.map((b) => ({ text: dec.decode(b), confidence: 0.5 }))), { keepFailureImages: true, filtering: 'off' });
    const rep = buildReport({ model: 'm.onnx', preset: 'crnn-mv3-en', backend: 'wasm', runtime: 'node', startedAt: '2026-01-01T00:00:00Z', seconds: 1 }, r);
    expect(rep.references).toEqual({ svt_647: 74.5 });
    expect(rep.failures.length).toBe(3);
    expect('image' in rep.failures[0]!).toBe(false);
    expect(r.failures[0]!.image).toBeInstanceOf(Uint8Array);
    expect(reportText(rep)).toMatch(/^svt_647 +10 +70\.00/m);
    expect(reportText(rep)).toContain('total (sample-weighted, as DTRB)');
    expect(checkThresholds(rep, { minAccuracy: 60 })).toEqual([]);
    expect(checkThresholds(rep, { minAccuracy: 80 })).toEqual(['svt_647: accuracy 70.00 < --min-accuracy 80']);
    expect(checkThresholds(rep, { maxDrop: 0.5 })).toHaveLength(1);
    const csv = reportCsv(rep).trim().split('\n');
    expect(csv[0]).toBe('model,backend,dataset,samples,filtered,accuracy,accuracy_case_sensitive,one_minus_ned,words_per_second,reference');
    expect(csv[1]).toMatch(/^m\.onnx,wasm,svt_647,10,0,70\.00,70\.00,/);
    expect(csv[1]!.endsWith(',74.5')).toBe(true);
    expect(csv[2]).toMatch(/^m\.onnx,wasm,"mine, ""quoted""",1,0,100\.00/);
    expect(csv[3]).toMatch(/^m\.onnx,wasm,"total \(sample-weighted, as DTRB\)",11,,72\.73/);
    expect(csv[4]).toMatch(/^m\.onnx,wasm,"mean \(unweighted, as MindOCR\)",,,85\.00/);
  });
});
