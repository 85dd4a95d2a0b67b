import { describe, expect, it } from 'vitest';
import { compareCsv, compareJson, disagreements, initialChoice, saveChoice, shippedModel, storedModel, summarise, summaryLine, type CellOutcome, type CompareExport, type CompareModel } from './compare_view.ts';

const listing = (name: string) => ({ name, title: `${name} title`, preset: name, origin: 'repo' as const, license: 'x', source: 'y', path: `models/${name}/model.json`, bytes: 1, sha256: '' });
const stored = storedModel({ key: 'indexeddb://webstr/rare-dtrb/rare.pth', name: 'rare', preset: 'rare-dtrb', bytes: 1, savedAt: '' });
const models: CompareModel[] = [shippedModel(listing('ppocr-v4')), shippedModel(listing('crnn')), stored];

describe('model choice', () => {
  it('checks every shipped model (not the stored ones) when nothing is saved or the saved value is unreadable', () => {
    for (const saved of [null, 'not json', '{"checked":[1]}', '[]']) expect(initialChoice(models, saved)).toEqual(['shipped:ppocr-v4', 'shipped:crnn']);
  });

  it('remembers the choice, and checks a shipped model that is new since it was saved', () => {
    const saved = saveChoice(models, ['shipped:crnn', 'indexeddb://webstr/rare-dtrb/rare.pth']);
    expect(initialChoice(models, saved)).toEqual(['shipped:crnn', 'indexeddb://webstr/rare-dtrb/rare.pth']);
    const later = [...models.slice(0, 2), shippedModel(listing('spin')), stored];
    expect(initialChoice(later, saved)).toEqual(['shipped:crnn', 'shipped:spin', 'indexeddb://webstr/rare-dtrb/rare.pth']);
    // An unchecked model stays unchecked, and a saved key that is gone is dropped.
    expect(initialChoice(models.slice(0, 2), saveChoice(models, []))).toEqual([]);
  });

  it('shipped models load by name, stored ones from IndexedDB', () => {
    expect(models[0]!.source).toEqual({ kind: 'shipped', name: 'ppocr-v4' });
    expect(stored).toMatchObject({ name: 'rare.pth', shipped: false, source: { kind: 'indexeddb', key: 'indexeddb://webstr/rare-dtrb/rare.pth' } });
    expect(stored.title).toBe('rare.pth (rare-dtrb, in this browser)');
  });
});

describe('disagreements', () => {
  it('marks the texts that differ from the majority; pending and failed cells take no part', () => {
    expect(disagreements(['OPEN', 'OPEN', 'OPFN'])).toEqual({ majority: 'OPEN', differs: [false, false, true] });
    expect(disagreements(['OPEN', null, 'OPFN', 'OPEN'])).toEqual({ majority: 'OPEN', differs: [false, false, true, false] });
    expect(disagreements(['a', 'a', 'a'])).toEqual({ majority: 'a', differs: [false, false, false] });
  });

  it('a tie at the top has no majority: every text read is marked; one text alone never is', () => {
    expect(disagreements(['exit', 'EXIT'])).toEqual({ majority: null, differs: [true, true] });
    expect(disagreements(['a', 'a', 'b', 'b', null])).toEqual({ majority: null, differs: [true, true, true, true, false] });
    expect(disagreements(['only', null])).toEqual({ majority: 'only', differs: [false, false] });
    expect(disagreements([null, null])).toEqual({ majority: null, differs: [false, false] });
  });

  it('compares texts exactly (case counts)', () => {
    expect(disagreements(['Coffee', 'COFFEE', 'Coffee']).differs).toEqual([false, true, false]);
  });
});

const timings = { decodeMs: 1, preprocessMs: 2, inferMs: 3, postprocessMs: 4 };
const ok = (text: string, ms = 10): CellOutcome => ({ ok: true, text, confidence: 0.5, charConfidences: [], timings: { ...timings, inferMs: ms - 7 }, backend: 'wasm' });
const err: CellOutcome = { ok: false, error: { name: 'WorkerCrashedError', message: "worker 'compare-2' crashed: gone" } };

describe('summary per model', () => {
  it('counts words read, errors and texts that differ; the mean time over read images only', () => {
    const s = summarise([
      { outcome: ok('a', 10), differs: false },
      { outcome: ok('b', 20), differs: true },
      { outcome: err, differs: false },
    ]);
    expect(s).toEqual({ words: 2, errors: 1, meanMs: 15, disagreements: 1 });
    expect(summaryLine(s)).toBe('2 words · 15.0 ms mean · 1 disagreement · 1 error');
    expect(summaryLine(summarise([]))).toBe('0 words');
  });
});

describe('exports', () => {
  const x: CompareExport = {
    models: [
      { key: 'shipped:ppocr-v4', name: 'ppocr-v4', preset: 'ppocr-v4', backend: 'wasm' },
      { key: 'shipped:crnn', name: 'crnn', preset: 'crnn-x', backend: 'wasm' },
      { key: 'k3', name: 'rare.pth', preset: 'rare-dtrb', backend: 'wasm' },
    ],
    rows: [
      { file: 'a,b.png', cells: new Map([['shipped:ppocr-v4', ok('Hi "x"')], ['shipped:crnn', ok('Hi "x"')], ['k3', ok('HI')]]) },
      { file: 'c.png', cells: new Map([['shipped:ppocr-v4', ok('exit')], ['k3', err]]) },
    ],
  };

  it('CSV: one line per image and model, with the majority, whether it differs, and errors by name', () => {
    expect(compareCsv(x).split('\n')).toEqual([
      'file,model,text,confidence,total_ms,majority,differs,error',
      '"a,b.png",ppocr-v4,"Hi ""x""",0.500000,10.00,"Hi ""x""",no,',
      '"a,b.png",crnn,"Hi ""x""",0.500000,10.00,"Hi ""x""",no,',
      '"a,b.png",rare.pth,HI,0.500000,10.00,"Hi ""x""",yes,',
      'c.png,ppocr-v4,exit,0.500000,10.00,exit,no,',
      "c.png,rare.pth,,,,exit,,WorkerCrashedError: worker 'compare-2' crashed: gone",
      '',
    ]);
  });

  it('JSON: the models, then per image its majority and each model’s result by key', () => {
    const j = JSON.parse(compareJson(x)) as { models: unknown[]; images: { file: string; majority: string | null; results: Record<string, Record<string, unknown>> }[] };
    expect(j.models).toHaveLength(3);
    expect(j.images[0]).toMatchObject({ file: 'a,b.png', majority: 'Hi "x"', results: { k3: { text: 'HI', differs: true }, 'shipped:crnn': { differs: false } } });
    expect(j.images[1]!.results).toEqual({ 'shipped:ppocr-v4': { text: 'exit', confidence: 0.5, charConfidences: [], timings: { ...timings, inferMs: 3 }, backend: 'wasm', differs: false }, k3: { error: (err as { error: unknown }).error } });
  });
});
