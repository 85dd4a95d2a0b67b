import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { buildStages } from '../models/model.ts';
import { initParams } from '../models/params.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, fromArtifacts, toArtifacts, type WebstrMetadata } from './format.ts';
import { FLOAT16_MAX, float16Bits } from './float16.ts';
import { loadWeightsDir, saveWeightsDir } from './node_io.ts';

describe('float16Bits', () => {
  it('encodes exact values, rounds to nearest even, keeps subnormals, overflows to infinity', () => {
    expect(float16Bits(0)).toBe(0);
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(FLOAT16_MAX)).toBe(0x7bff);
    expect(float16Bits(1e6)).toBe(0x7c00);
    expect(float16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float16Bits(2 ** -24)).toBe(1); // smallest subnormal
    expect(float16Bits(2 ** -26)).toBe(0); // below half of it
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(float16Bits(0.1)).toBe(0x2e66);
  });
});

describe('float16 weight files', () => {
  let dir = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(path.join(tmpdir(), 'webstr-f16-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a model within half precision (relative error ≤ 2^-11 per value), at about half the bytes', async () => {
    const config = getPreset('crnn-mv3-en');
    const params = initParams(buildStages(config).specs, 3);
    // One tensor out of float16's range stays float32 and is exact.
    params.set('extra.big', tf.tensor1d([1e6, -3, 0.5]));
    const meta: WebstrMetadata = {
      format: WEIGHTS_FORMAT,
      version: WEIGHTS_VERSION,
      preset: 'crnn-mv3-en',
      config,
      charset: getCharset(config.charset),
      provenance: { source: 'test', sha256: '', importer: 'test', importedAt: '2026-01-01T00:00:00Z' },
    };
    await saveWeightsDir(path.join(dir, 'f32'), params, meta);
    await saveWeightsDir(path.join(dir, 'f16'), params, meta, { float16: true });
    const b32 = (await stat(path.join(dir, 'f32', 'weights.bin'))).size;
    const b16 = (await stat(path.join(dir, 'f16', 'weights.bin'))).size;
    expect(b16).toBe(b32 / 2 + 6); // every tensor halves except the 3 float32 values of extra.big
    const manifest = JSON.parse(await readFile(path.join(dir, 'f16', 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; quantization?: { dtype: string } }[] }[] };
    const entries = manifest.weightsManifest[0]!.weights;
    expect(entries.find((e) => e.name === 'extra.big')?.quantization).toBeUndefined();
    expect(entries.filter((e) => e.quantization?.dtype === 'float16').length).toBe(params.size - 1);

    const loaded = await loadWeightsDir(path.join(dir, 'f16'));
    expect([...loaded.params.keys()].sort()).toEqual([...params.keys()].sort());
    for (const [name, t] of params) {
      const got = loaded.params.get(name)!;
      expect(got.dtype).toBe('float32');
      expect(got.shape).toEqual(t.shape);
      const a = (await t.data()) as Float32Array;
      const b = (await got.data()) as Float32Array;
      for (let i = 0; i < a.length; i++) {
        // Normal range: relative 2^-11; subnormal range: absolute 2^-25.
        expect(Math.abs(a[i]! - b[i]!), `${name}[${i}]`).toBeLessThanOrEqual(Math.max(Math.abs(a[i]!) * 2 ** -11, 2 ** -25));
      }
    }
    expect(Array.from(await loaded.params.get('extra.big')!.data())).toEqual([1e6, -3, 0.5]);

    // The same artifacts through tf.io's in-memory path (what the browser's loaders hand to fromArtifacts).
    const again = fromArtifacts(await toArtifacts(params, meta, { float16: true }));
    expect(Array.from(await again.params.get('extra.big')!.data())).toEqual([1e6, -3, 0.5]);
    tf.dispose([...params.values(), ...loaded.params.values(), ...again.params.values()]);
  });
});
