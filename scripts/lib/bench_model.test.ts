/**
 * `npm run bench -- --model DIR` takes what `webstr eval --model` takes: a folder written by `webstr import`
 * (its model.json has no modelTopology, which tf.io.browserFiles demanded), a model.json, an .onnx or .pth;
 * the files are those the manifest names, read by the page's loader (src/recognize/load.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/runtime/tf.ts';
import { loadModelSource } from '../../src/recognize/load.ts';
import { importModel } from '../../cli/import_model.ts';
import { haveSharedModel, MV3_EN_ONNX } from '../../src/testing/shared.ts';
import { modelFiles } from './bench_model.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-bench-model-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const asFiles = (paths: string[]): File[] => paths.map((p) => new File([readFileSync(p)], path.basename(p)));

describe('npm run bench --model', () => {
  it.skipIf(!haveSharedModel())('a folder written by webstr import loads through the page loader', async () => {
    const out = path.join(dir, 'mv3');
    await importModel([MV3_EN_ONNX, '--preset', 'crnn-mv3-en', '--out', out]);
    const files = modelFiles(out);
    expect(files.map((f) => path.basename(f))).toEqual(['model.json', 'weights.bin']);
    expect(modelFiles(path.join(out, 'model.json'))).toEqual(files);
    const w = await loadModelSource({ kind: 'files', files: asFiles(files), preset: 'crnn-mv3-en' });
    expect(w.meta.preset).toBe('crnn-mv3-en');
    expect(w.params.size).toBeGreaterThan(50);
    tf.dispose([...w.params.values()]);
  });

  it('the files a manifest names, checked as the loaders check them', () => {
    const m = (paths: string[]) => ({ weightsManifest: [{ paths, weights: [] }] });
    const write = (name: string, j: object): string => {
      const f = path.join(dir, name);
      writeFileSync(f, JSON.stringify(j));
      return f;
    };
    expect(modelFiles(write('two.json', m(['g1.bin', 'g2.bin'])))).toEqual([path.join(dir, 'two.json'), path.join(dir, 'g1.bin'), path.join(dir, 'g2.bin')]);
    expect(() => modelFiles(write('evil.json', m(['../../etc/passwd'])))).toThrow(expect.objectContaining({ name: 'UnsafeWeightsPathError' }) as Error);
    expect(() => modelFiles('crnn-mv3-en')).toThrow(expect.objectContaining({ name: 'WeightsRequiredError' }) as Error);
    expect(() => modelFiles(path.join(dir, 'nothing-here'))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }) as Error);
    writeFileSync(path.join(dir, 'm.onnx'), '');
    expect(modelFiles(path.join(dir, 'm.onnx'))).toEqual([path.join(dir, 'm.onnx')]);
  });
});
