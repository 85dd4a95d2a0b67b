/**
 * The ONNX reader under seeded mutation (as the pickle and LMDB readers are fuzzed): a small model written
 * here with every tensor form the importer reads (FLOAT and DOUBLE, raw and typed data, initialisers and
 * Constant nodes), and the shared PaddleOCR export when present. 0 escapes: every case reads or ends in a
 * named WebstrError.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getPreset } from '../models/presets.ts';
import { fuzzLine, fuzzReader } from '../testing/mutate.ts';
import { MV3_EN_ONNX, haveSharedModel } from '../testing/shared.ts';
import { OnnxFormatError, importPaddleOnnx, readOnnxTensors } from './onnx_import.ts';
import { encodeOnnxModel } from './onnx_proto.ts';

const raw = (values: number[], type: 'f32' | 'f64'): Uint8Array => new Uint8Array((type === 'f32' ? Float32Array.from(values) : Float64Array.from(values)).buffer);

function smallModel(): Uint8Array {
  return encodeOnnxModel({
    irVersion: 7,
    producerName: 'webstr-fuzz',
    opsetImport: [{ domain: '', version: 11 }],
    graph: {
      name: 'g',
      initializer: [
        { name: 'conv1_weights', dims: [2, 1, 3, 3], dataType: 1, rawData: raw(Array.from({ length: 18 }, (_, i) => i / 7), 'f32') },
        { name: 'bias_f', dims: [3], dataType: 1, floatData: [0.5, -1, 2] },
        { name: 'scale_d', dims: [2, 2], dataType: 11, rawData: raw([1, 2, 3, 4], 'f64') },
        { name: 'shift_d', dims: [2], dataType: 11, doubleData: [0.25, -0.75] },
        { name: 'ints', dims: [2], dataType: 7, int64Data: [1, 2] },
      ],
      node: [
        { opType: 'Constant', output: ['lstm_cell_0.w_0'], attribute: [{ name: 'value', type: 4, t: { dims: [4, 2], dataType: 1, rawData: raw([1, 2, 3, 4, 5, 6, 7, 8], 'f32') } }] },
        { opType: 'Constant', output: ['c_double'], attribute: [{ name: 'value', type: 4, t: { dims: [3], dataType: 11, rawData: raw([9, 8, 7], 'f64') } }] },
        { opType: 'Conv', input: ['x', 'conv1_weights'], output: ['y'], attribute: [{ name: 'strides', type: 7, ints: [1, 1] }, { name: 'pads', type: 7, ints: [1, 1, 1, 1] }] },
      ],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }, { dimValue: 32 }, { dimParam: 'W' }] } } } }],
      output: [{ name: 'y' }],
    },
  });
}

describe('ONNX reader', () => {
  it('reads the small model: FLOAT and DOUBLE, raw and typed, initialisers and Constants', () => {
    const t = readOnnxTensors(smallModel());
    expect([...t.keys()].sort()).toEqual(['bias_f', 'c_double', 'conv1_weights', 'lstm_cell_0.w_0', 'scale_d', 'shift_d']);
    expect(Array.from(t.get('scale_d')!.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(t.get('shift_d')!.data)).toEqual([0.25, -0.75]);
  });

  it('a DOUBLE tensor with short data is an OnnxFormatError naming it (was a RangeError)', () => {
    const bytes = encodeOnnxModel({ graph: { name: 'g', initializer: [{ name: 'scale_d', dims: [4, 4], dataType: 11, rawData: raw([1, 2, 3], 'f64') }] } });
    expect(() => readOnnxTensors(bytes)).toThrow(OnnxFormatError);
    expect(() => readOnnxTensors(bytes)).toThrow(/tensor 'scale_d' \(DOUBLE \[4,4\]\) has 24 bytes of raw data; its dims need 16 values/);
    const neg = encodeOnnxModel({ graph: { name: 'g', initializer: [{ name: 'w', dims: [-2, 4], dataType: 1, rawData: raw([1], 'f32') }] } });
    expect(() => readOnnxTensors(neg)).toThrow(/tensor 'w': dims \[-2,4\]/);
  });

  it('fuzz: 4,000 mutations of the small model, 0 escapes', async () => {
    const config = getPreset('crnn-mv3-en');
    const t = await fuzzReader('ONNX (small model)', [smallModel()], 4000, 11, (b) => {
      readOnnxTensors(b);
      importPaddleOnnx(b, config); // a mutated small model never fits: WeightsMismatchError at best
    });
    console.log(fuzzLine(t));
    expect(t.escapes).toEqual([]);
    expect(t.cases).toBe(4000);
    expect(t.named.OnnxFormatError).toBeGreaterThan(400);
    // A mutation that loses every parameter name is refused as another family (a WeightsMismatchError).
    expect((t.named.WeightsMismatchError ?? 0) + (t.named.OnnxModelFamilyError ?? 0)).toBeGreaterThan(400);
  });

  it.skipIf(!haveSharedModel())('fuzz: 24 mutations of the shared PaddleOCR export, 0 escapes', async () => {
    const t = await fuzzReader('ONNX (shared en mobile export)', [new Uint8Array(readFileSync(MV3_EN_ONNX))], 24, 12, (b) => readOnnxTensors(b));
    console.log(fuzzLine(t));
    expect(t.escapes).toEqual([]);
  });
});
