/**
 * The `.pth` import path against PyTorch: scripts/fixtures/rare_models.py builds each DTRB-layout preset
 * (narrowed as its fixture's `variant` says) with DTRB's parameter names, random weights, and saves the
 * checkpoint (zip, legacy, DataParallel) with the logits, rectified image and decoded strings on fixed
 * inputs. Here the checkpoint goes through the real reader + importer, and the compiled model must match
 * logits ≤ 1e-4 and the strings exactly on cpu and wasm.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import type { ModelConfig } from '../models/config.ts';
import { CompiledModel, WeightsMismatchError } from '../models/model.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { codecFor } from '../text/attention.ts';
import { readStateDict } from './pth/index.ts';
import { importTorchStateDict } from './torch_import.ts';
import { Recognizer, hostWeights } from '../recognize/recognizer.ts';
import type { RgbaImage } from '../image/types.ts';

interface Arr {
  shape: number[];
  data: number[];
}
interface Fixture {
  preset: string;
  variant: {
    out: number;
    hidden: number;
    linear: number;
    linear2?: number;
    attn_hidden?: number;
    tps_channels?: [number, number, number, number];
    tps_fc?: number;
    spin_channels?: [number, number, number, number, number, number];
    spin_fc?: number;
    offset_channels?: number;
  };
  pth: string;
  input: Arr;
  logits: Arr;
  rectified: Arr | null;
  strings: string[];
}

const PRESETS = ['crnn-vgg', 'rare-dtrb', 'trba-dtrb', 'spin-r32'];

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../models/fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

/** The preset narrowed as the fixture was (widths only: the structure is the preset's). */
export function narrowed(f: Fixture): ModelConfig {
  const c = getPreset(f.preset);
  const v = f.variant;
  c.backbone = { ...c.backbone, outChannels: v.out } as ModelConfig['backbone'];
  c.sequence.layers = c.sequence.layers.map((_, i) => ({ hidden: v.hidden, linear: i === 1 ? (v.linear2 ?? v.linear) : v.linear }));
  if (c.head.kind === 'attention' && v.attn_hidden !== undefined) c.head.hidden = v.attn_hidden;
  if (c.transform.kind === 'tps' && v.tps_channels !== undefined && v.tps_fc !== undefined) {
    c.transform.locChannels = v.tps_channels;
    c.transform.locFc = v.tps_fc;
  }
  if (c.transform.kind === 'gaspin' && v.spin_channels !== undefined && v.spin_fc !== undefined && v.offset_channels !== undefined) {
    c.transform.channels = v.spin_channels;
    c.transform.fc = v.spin_fc;
    c.transform.offsetChannels = v.offset_channels;
  }
  return c;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

beforeAll(() => registerAllKernels());

describe.each(['cpu', 'wasm'])('PyTorch .pth import matches PyTorch 1.13 (%s)', (backend) => {
  it.each(PRESETS)('%s: logits ≤ 1e-4, strings equal', async (preset) => {
    await tf.setBackend(backend);
    const f = fixture(preset);
    const config = narrowed(f);
    const sd = await readStateDict(new Uint8Array(readFileSync(new URL(`../models/fixtures/${f.pth}`, import.meta.url))));
    const params = importTorchStateDict(sd, config);
    const model = new CompiledModel(config, params);
    tf.dispose([...params.values()]);
    const x = tf.tensor(f.input.data, f.input.shape);
    const { logits, rectified } = model.forward(x);
    expect(logits.shape).toEqual(f.logits.shape);
    const dLogits = maxAbsDiff(await logits.data(), f.logits.data);
    let dRect = 0;
    if (f.rectified !== null) dRect = maxAbsDiff(await rectified!.data(), f.rectified.data);
    const probs = tf.softmax(logits);
    const p = (await probs.data()) as Float32Array;
    const [b, steps, classes] = logits.shape as [number, number, number];
    const codec = codecFor(config.head.kind, getCharset(config.charset));
    expect(codec.numClasses).toBe(classes);
    const strings = Array.from({ length: b }, (_, k) => codec.decodeGreedy(p.subarray(k * steps * classes, (k + 1) * steps * classes), steps).text);
    console.log(`${preset} ${backend}: logits max|Δ| ${dLogits.toExponential(2)}, rectified max|Δ| ${dRect.toExponential(2)}, strings ${JSON.stringify(strings)}`);
    expect(dLogits).toBeLessThanOrEqual(1e-4);
    // The rectified image of a noise input is sensitive to the grid: DTRB forms it as two float32 products
    // (inv_delta_C·C′, then P_hat·T), we as one with M computed in float64; grid ulps × pixel slopes of
    // up to 2 per pixel give ~4e-4. The logits (what the model outputs) still match to ~1e-6.
    expect(dRect).toBeLessThanOrEqual(1e-3);
    expect(strings).toEqual(f.strings);
    tf.dispose([x, logits, probs, ...(rectified ? [rectified] : [])]);
    model.dispose();
  });
});

describe('importTorchStateDict', () => {
  it('names what does not fit (a TRBA checkpoint imported as rare-dtrb)', async () => {
    await tf.setBackend('cpu');
    const f = fixture('trba-dtrb');
    const sd = await readStateDict(new Uint8Array(readFileSync(new URL(`../models/fixtures/${f.pth}`, import.meta.url))));
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
    const f = fixture('rare-dtrb');
    const config = narrowed(f);
    const sd = await readStateDict(new Uint8Array(readFileSync(new URL(`../models/fixtures/${f.pth}`, import.meta.url))));
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
