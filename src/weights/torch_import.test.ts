/**
 * The `.pth` import path against PyTorch: scripts/fixtures/rare_models.py builds each DTRB-layout preset
 * (narrowed as its fixture's `variant` says) with DTRB's parameter names, random weights, and saves the
 * checkpoint (zip, legacy, DataParallel) with the logits, rectified image and decoded strings on fixed
 * inputs. Here the checkpoint goes through the real reader + importer, and the compiled model must match
 * logits ≤ 1e-4 and the strings exactly on cpu and wasm.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { WeightsMismatchError } from '../models/model.ts';
import { getCharset } from '../text/charset.ts';
import { FIXTURE_PRESETS, fixtureStateDict, modelFixture, narrowed, runModelFixture } from '../testing/model_fixtures.ts';
import { importTorchStateDict } from './torch_import.ts';
import { Recognizer, hostWeights } from '../recognize/recognizer.ts';
import type { RgbaImage } from '../image/types.ts';

beforeAll(() => registerAllKernels());

describe.each(['cpu', 'wasm'])('PyTorch .pth import matches PyTorch 1.13 (%s)', (backend) => {
  it.each(FIXTURE_PRESETS)('%s: logits ≤ 1e-4, strings equal', async (preset) => {
    await tf.setBackend(backend);
    const r = await runModelFixture(preset);
    console.log(`${preset} ${backend}: logits max|Δ| ${r.dLogits.toExponential(2)}, rectified max|Δ| ${r.dRectified.toExponential(2)}, strings ${JSON.stringify(r.strings)}`);
    expect(r.logitsShape).toEqual(modelFixture(preset).logits.shape);
    expect(r.dLogits).toBeLessThanOrEqual(1e-4);
    // The rectified image of a noise input is sensitive to the grid: DTRB forms it as two float32 products
    // (inv_delta_C·C′, then P_hat·T), we as one with M computed in float64; grid ulps × pixel slopes of
    // up to 2 per pixel give ~4e-4. The logits (what the model outputs) still match to ~1e-6.
    expect(r.dRectified).toBeLessThanOrEqual(1e-3);
    expect(r.strings).toEqual(r.expected);
  });
});

describe('importTorchStateDict', () => {
  it('names what does not fit (a TRBA checkpoint imported as rare-dtrb)', async () => {
    await tf.setBackend('cpu');
    const f = modelFixture('trba-dtrb');
    const sd = await fixtureStateDict(f);
    const config = narrowed({ ...f, preset: 'rare-dtrb' });
    try {
      importTorchStateDict(sd, config);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WeightsMismatchError);
      const m = (err as Error).message;
      expect(m).toMatch(/missing \d+: FeatureExtraction\.ConvNet\.0\.weight/);
      expect(m).toMatch(/unexpected \d+: .*FeatureExtraction\.ConvNet\.conv0_1\.weight/);
      expect(m).toMatch(/Prediction\.attention_cell\.rnn\.weight_ih expected \[48,\d+\] got \[64,\d+\]/);
      expect(m).not.toMatch(/num_batches_tracked|P_hat|inv_delta_C/);
    }
  });
});

describe('Recognizer with an attention model', () => {
  it('decodes through the attention codec and returns the rectified image on request', async () => {
    await tf.setBackend('wasm');
    const f = modelFixture('rare-dtrb');
    const config = narrowed(f);
    const sd = await fixtureStateDict(f);
    const params = importTorchStateDict(sd, config);
    const weights = await hostWeights(config, getCharset(config.charset), params);
    tf.dispose([...params.values()]);
    const rec = Recognizer.create(weights, { decoder: () => Promise.reject(new Error('unused')) });
    const img: RgbaImage = { width: 60, height: 20, data: new Uint8ClampedArray(60 * 20 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256)) };
    const before = tf.memory().numTensors;
    const plain = await rec.recognize(img);
    expect(plain.rectified).toBeUndefined();
    const r = await rec.recognize(img, { rectified: true });
    expect(r.text).toBe(plain.text);
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.text.length).toBeLessThanOrEqual(26);
    expect(r.rectified?.width).toBe(100);
    expect(r.rectified?.height).toBe(32);
    expect(r.rectified?.data.length).toBe(100 * 32 * 4);
    expect(tf.memory().numTensors).toBe(before);
    rec.dispose();
  });
});
