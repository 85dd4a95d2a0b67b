/** `webstr import <webstr weights dir> --out <dir> --float16`: the same tensors and metadata at half the bytes. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../src/runtime/tf.ts';
import { buildStages } from '../src/models/model.ts';
import { initParams } from '../src/models/params.ts';
import { getPreset } from '../src/models/presets.ts';
import { getCharset } from '../src/text/charset.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION } from '../src/weights/format.ts';
import { loadWeightsDir, saveWeightsDir } from '../src/weights/node_io.ts';
import { importModel } from './import_model.ts';

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 'webstr-import-f16-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('webstr import --float16 of webstr weights', () => {
  it('rewrites a float32 folder in float16; loading gives the same names, shapes and metadata', async () => {
    const config = getPreset('crnn-lcnet');
    const params = initParams(buildStages(config).specs, 2);
    const meta = { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, preset: 'crnn-lcnet', config, charset: getCharset(config.charset), provenance: { source: 't', sha256: '', importer: 't', importedAt: 'now' } } as const;
    await saveWeightsDir(path.join(dir, 'f32'), params, { ...meta });
    expect(await importModel([path.join(dir, 'f32'), '--out', path.join(dir, 'f16'), '--float16'])).toBe(0);
    const [a, b] = await Promise.all([stat(path.join(dir, 'f32', 'weights.bin')), stat(path.join(dir, 'f16', 'weights.bin'))]);
    expect(b.size).toBe(a.size / 2);
    const loaded = await loadWeightsDir(path.join(dir, 'f16'));
    expect(loaded.meta.preset).toBe('crnn-lcnet');
    expect(loaded.meta.config).toEqual(config);
    expect([...loaded.params.keys()].sort()).toEqual([...params.keys()].sort());
    for (const [k, t] of params) expect(loaded.params.get(k)!.shape, k).toEqual(t.shape);
    expect(JSON.parse(await readFile(path.join(dir, 'f16', 'model.json'), 'utf8'))).toHaveProperty('weightsManifest.0.weights.0.quantization.dtype', 'float16');
    tf.dispose([...params.values(), ...loaded.params.values()]);
  }, 60_000);
});
