/**
 * The recognizer on the shared model and real crops: parity with onnxruntime on 200 IIIT5K crops
 * (cpu, wasm), hostile inputs in a batch, and no tensor leak over 1,000 recognitions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { openFileByteSource } from '../data/node_source.ts';
import { openDtrbDataset } from '../data/dtrb.ts';
import { decodeNode } from '../image/decode_node.ts';
import { preprocess } from '../image/preprocess.ts';
import type { RgbaImage } from '../image/types.ts';
import { CompiledModel } from '../models/model.ts';
import { toDevice } from '../models/params.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../testing/shared.ts';
import { toHostWeights, weightsFromOnnx, WeightsRequiredError, assertNotBarePreset } from './load.ts';
import { Recognizer, type HostWeights } from './recognizer.ts';

const ready = haveSharedModel() && haveLmdb('iiit5k_3000');
const N = 200;

let weights: HostWeights;
let crops: RgbaImage[] = [];
let sess: ort.InferenceSession;

beforeAll(async () => {
  if (!ready) return;
  registerAllKernels();
  await tf.setBackend('cpu');
  weights = await toHostWeights(await weightsFromOnnx(new Uint8Array(readFileSync(MV3_EN_ONNX)), 'crnn-mv3-en', 'test'));
  const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
  const ds = await openDtrbDataset(src);
  for await (const s of ds.samples({ limit: N })) crops.push(await decodeNode(s.image));
  await src.close();
  sess = await ort.InferenceSession.create(MV3_EN_ONNX);
}, 120_000);

afterAll(async () => {
  if (ready) await sess.release();
  crops = [];
});

describe('presets without weights', () => {
  it('say that weights are needed', () => {
    expect(() => assertNotBarePreset('crnn-vgg')).toThrow(WeightsRequiredError);
    expect(() => assertNotBarePreset('crnn-mv3-en')).toThrow(/weights are needed/);
  });
});

describe.skipIf(!ready)('crnn-mv3-en on real crops', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`matches onnxruntime on ${N} IIIT5K crops: max |Δp| ≤ 1e-3 (${backend})`, async () => {
      await tf.setBackend(backend);
      const params = toDevice(weights.tensors);
      const model = new CompiledModel(weights.config, params);
      tf.dispose([...params.values()]);
      let worst = 0;
      let sameArgmax = 0;
      let frames = 0;
      for (const img of crops) {
        const x = preprocess(img, weights.config.input);
        const ours = model.predict(x);
        const nchw = tf.transpose(x, [0, 3, 1, 2]);
        const out = await sess.run({ x: new ort.Tensor('float32', (await nchw.data()) as Float32Array, nchw.shape) });
        const ref = Object.values(out)[0]!.data as Float32Array;
        const a = (await ours.data()) as Float32Array;
        expect(a.length).toBe(ref.length);
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - ref[i]!));
        for (let t = 0; t < a.length / 97; t++) {
          let ai = 0;
          let ri = 0;
          for (let k = 1; k < 97; k++) {
            if (a[t * 97 + k]! > a[t * 97 + ai]!) ai = k;
            if (ref[t * 97 + k]! > ref[t * 97 + ri]!) ri = k;
          }
          frames++;
          if (ai === ri) sameArgmax++;
        }
        tf.dispose([x, ours, nchw]);
      }
      model.dispose();
      console.log(`${backend}: max |Δp| over ${N} crops = ${worst.toExponential(3)}; frame argmax agreement ${sameArgmax}/${frames}`);
      expect(worst).toBeLessThanOrEqual(1e-3);
    }, 240_000);
  }

  it('reports hostile inputs per image and carries on', async () => {
    await tf.setBackend('wasm');
    const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b) });
    const png = (w: number, h: number): Uint8Array => {
      const b = new Uint8Array(33);
      b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
      new DataView(b.buffer).setUint32(16, w);
      new DataView(b.buffer).setUint32(20, h);
      return b;
    };
    const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
    const ds = await openDtrbDataset(src);
    const jpeg = (await ds.sample(1)).image;
    await src.close();
    const before = tf.memory().numTensors;
    const out = await rec.recognizeBatch([
      new Uint8Array(),
      jpeg.subarray(0, 200),
      new TextEncoder().encode('not an image'),
      png(30000, 30000),
      png(0, 0),
      { width: 0, height: 0, data: new Uint8Array() },
      jpeg,
    ]);
    expect(out.map((o) => (o.ok ? o.text : o.error.name))).toEqual([
      'EmptyImageError',
      'ImageDecodeError',
      'ImageDecodeError',
      'ImageTooLargeError',
      'EmptyImageError',
      'EmptyImageError',
      'PRIVATE',
    ]);
    const last = out[6]!;
    if (last.ok) {
      expect(last.charConfidences).toHaveLength(7);
      expect(last.confidence).toBeGreaterThan(0.9);
      expect(last.timings.inferMs).toBeGreaterThan(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    rec.dispose();
  });

  it('leaks no tensors over 1,000 recognitions', async () => {
    await tf.setBackend('wasm');
    const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b), maxBatch: 32 });
    const inputs = Array.from({ length: 1000 }, (_, i) => crops[i % 20]!);
    await rec.recognizeBatch(inputs.slice(0, 20)); // warm-up
    const before = tf.memory().numTensors;
    const out = await rec.recognizeBatch(inputs);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    rec.dispose();
  }, 240_000);
});
