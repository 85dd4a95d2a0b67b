/** The library's Node entry: createRecognizer on the shipped and the shared PaddleOCR models (model inputs: src/recognize/model_source.test.ts). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../testing/shared.ts';
import { createRecognizer, evaluate, openDataset, openLmdb, train } from './node.ts';

const CROP = 'public/samples/01-coffee.png';
const LMDB = `${LMDB_DIR}/svt_647`;

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
