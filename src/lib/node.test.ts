/** The library's Node entry: model inputs sorted by kind, and createRecognizer on the shared PaddleOCR model. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../testing/shared.ts';
import { classifyModel, resolveName, sniffModelBytes, UnknownModelError } from './model_spec.ts';
import { createRecognizer, evaluate, openDataset, openLmdb, train } from './node.ts';

const CROP = 'public/samples/01-coffee.png';
const LMDB = `${LMDB_DIR}/svt_647`;

describe('model inputs', () => {
  it('URLs, paths, names and bytes', async () => {
    expect(await classifyModel('https://x.test/m/model.json')).toEqual({ kind: 'url', url: 'https://x.test/m/model.json', format: 'webstr' });
    expect(await classifyModel('./m.onnx', 'https://x.test/app/')).toEqual({ kind: 'url', url: 'https://x.test/app/m.onnx', format: 'onnx' });
    expect(await classifyModel(new URL('file:///tmp/w.pth'))).toMatchObject({ kind: 'url', format: 'pth' });
    expect(await classifyModel('indexeddb://webstr/crnn-mv3-en/a.onnx')).toMatchObject({ kind: 'url', url: 'indexeddb://webstr/crnn-mv3-en/a.onnx' });
    expect(await classifyModel('ppocr-v4')).toEqual({ kind: 'name', name: 'ppocr-v4' });
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0]);
    expect(await classifyModel(zip)).toMatchObject({ kind: 'bytes', format: 'pth' });
    expect(sniffModelBytes(new Uint8Array([0x80, 0x02]))).toBe('pth');
    expect(sniffModelBytes(new Uint8Array([0x08, 0x07]))).toBe('onnx');
    await expect(classifyModel(new Uint8Array())).rejects.toThrow(/0 bytes/);
  });

  it('a name goes through the resolver; a bare preset or an unknown name is a named error', async () => {
    const spec = { kind: 'url', url: 'https://x.test/v4.onnx', format: 'onnx' } as const;
    expect(await resolveName('ppocr-v4', (n) => (n === 'ppocr-v4' ? spec : null))).toBe(spec);
    await expect(resolveName('crnn-vgg', undefined)).rejects.toThrow(UnknownModelError);
    await expect(resolveName('crnn-vgg', undefined)).rejects.toThrow(/is a preset/);
    await expect(resolveName('nope', () => null)).rejects.toThrow(/not a known model name/);
  });
});

describe('createRecognizer (Node) with a shipped model', () => {
  it("takes the shipped model's name, and allowed characters", async () => {
    const r = await createRecognizer({ model: 'ppocr-v4', backend: 'wasm', allow: 'digits' });
    try {
      expect(r.info).toMatchObject({ preset: 'ppocr-v4' });
      const out = await r.recognize(['public/samples/05-2024.png', 'public/samples/03-exit.png']);
      expect(out[0]!.ok && out[0]!.text).toBe('2024');
      expect(out[1]!.ok && out[1]!.text).toMatch(/^[0-9]*$/);
    } finally {
      await r.terminate();
    }
  }, 120_000);
});

describe.skipIf(!haveSharedModel() || !haveLmdb('svt_647'))('createRecognizer (Node)', () => {
  it('reads crops given as paths, URLs and bytes; a bad one fails alone; progress and abort', async () => {
    const bytes = new Uint8Array(readFileSync(MV3_EN_ONNX));
    const r = await createRecognizer({ model: bytes, backend: 'cpu' });
    try {
      expect(r.info).toMatchObject({ backend: 'cpu', preset: 'crnn-mv3-en', workers: 1 });
      const seen: number[] = [];
      const out = await r.recognize([CROP, pathToFileURL(CROP), new Uint8Array(readFileSync(CROP)), 'no-such.png', new Uint8Array([1, 2])], {
        onProgress: (p) => seen.push(p.done),
      });
      expect(out.map((o) => (o.ok ? o.text : o.error.name))).toEqual(['COFFEE', 'COFFEE', 'COFFEE', 'ImageFileError', 'ImageDecodeError']);
      expect(seen.at(-1)).toBe(5);
      const one = await r.recognize(CROP);
      expect(one.ok && one.text).toBe('COFFEE');
      const ac = new AbortController();
      ac.abort();
      await expect(r.recognize([CROP], { signal: ac.signal })).rejects.toThrow(/abort/i);
    } finally {
      await r.terminate();
    }
    await expect(r.recognize([CROP])).rejects.toThrow(/terminated/);
  }, 120_000);

  it('evaluate: the same scores from an LMDB folder and from its bytes', async () => {
    const r = await createRecognizer({ model: MV3_EN_ONNX, backend: 'cpu' });
    try {
      const dir = await openDataset(LMDB);
      const a = await evaluate(r, [dir], { limit: 12 });
      await dir.close();
      const b = await evaluate(r, [await openLmdb(new Uint8Array(readFileSync(`${LMDB}/data.mdb`)), 'svt_647')], { limit: 12 });
      expect(a.summary.weighted.samples).toBe(12);
      expect(a.summary.weighted).toEqual(b.summary.weighted);
      expect(a.failures.map((f) => f.index)).toEqual(b.failures.map((f) => f.index));
      const ac = new AbortController();
      ac.abort();
      await expect(evaluate(r, [await openLmdb(new Uint8Array(readFileSync(`${LMDB}/data.mdb`)))], { signal: ac.signal })).rejects.toThrow();
    } finally {
      await r.terminate();
    }
  }, 120_000);

  it('a model path, and named errors for a bare preset', async () => {
    const r = await createRecognizer({ model: MV3_EN_ONNX, backend: 'cpu' });
    await r.terminate();
    await expect(createRecognizer({ model: 'crnn-mv3-en', backend: 'cpu' })).rejects.toMatchObject({ name: 'WeightsRequiredError' });
  }, 120_000);
});

describe('train (Node)', () => {
  it('a step of crnn-tiny on synthetic words writes weights createRecognizer loads; an aborted run stops with a checkpoint', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'webstr-lib-train-'));
    try {
      const steps: number[] = [];
      const r = await train({ preset: 'crnn-tiny', synthetic: 1, synthVocab: 4, steps: 1, batch: 2, out, backend: 'cpu', onProgress: (p) => steps.push(p.step) });
      expect(r).toMatchObject({ done: true, step: 1, stepsThisRun: 1, backend: 'cpu', weights: path.join(out, 'weights') });
      expect(steps).toContain(1);
      const rec = await createRecognizer({ model: r.weights, backend: 'cpu' });
      expect(rec.info.preset).toBe('crnn-tiny');
      const o = await rec.recognize(CROP);
      expect(o.ok).toBe(true);
      await rec.terminate();
      const ac = new AbortController();
      ac.abort();
      const again = await train({ preset: 'crnn-tiny', synthetic: 1, synthVocab: 4, steps: 5, batch: 2, out, backend: 'cpu', signal: ac.signal });
      expect(again.stopped).toBe(true);
      expect(again.step).toBeLessThan(5);
      await expect(train({ preset: 'crnn-tiny', steps: 0, out, synthetic: 1 })).rejects.toThrow(/steps: expected an integer/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
