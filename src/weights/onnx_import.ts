/**
 * Import of PaddleOCR inference ONNX files. Weights may be initialisers or `Constant` nodes (the
 * shared en mobile export stores them as named Constants); either way they are collected by name, and
 * each parameter of the preset is looked up under its Paddle name and converted from the Paddle layout
 * (params.ts). A file that does not fit the preset gets a WeightsMismatchError listing every missing or
 * mismatched tensor.
 */
import { tf } from '../runtime/tf.ts';
import { WebstrError } from '../runtime/errors.ts';
import type { ModelConfig } from '../models/config.ts';
import { WeightsMismatchError, buildStages } from '../models/model.ts';
import { fromSourceLayout, sourceShape, type Params } from '../models/params.ts';
import { decodeOnnxModel, toNumber, type OnnxTensor } from './onnx_proto.ts';

/** The bytes are not a readable ONNX model. */
export class OnnxFormatError extends WebstrError {
  override name = 'OnnxFormatError';
}

export interface RawTensor {
  dims: number[];
  data: Float32Array;
}

const FLOAT = 1;
const DOUBLE = 11;

/** The tensor's values as float32; null for what the importer does not read (other dtypes, external data). */
function tensorData(t: OnnxTensor, name: string): Float32Array | null {
  const dims = t.dims.map(toNumber);
  if (t.dataLocation === 1) return null; // external data: not supported
  if (t.dataType !== FLOAT && t.dataType !== DOUBLE) return null;
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new OnnxFormatError(`tensor '${name}': dims [${dims.join(',')}] are not non-negative integers`);
  const n = dims.reduce((a, b) => a * b, 1);
  const width = t.dataType === FLOAT ? 4 : 8;
  const values = t.dataType === FLOAT ? t.floatData.length : t.doubleData.length;
  const have = t.rawData.length > 0 ? `${t.rawData.length} bytes of raw data` : `${values} values`;
  if (t.rawData.length > 0 ? t.rawData.length !== n * width : values !== n) {
    throw new OnnxFormatError(`tensor '${name}' (${t.dataType === FLOAT ? 'FLOAT' : 'DOUBLE'} [${dims.join(',')}]) has ${have}; its dims need ${n} values`);
  }
  if (t.rawData.length === 0) return Float32Array.from(t.dataType === FLOAT ? t.floatData : t.doubleData);
  const copy = new Uint8Array(t.rawData); // aligned copy
  return t.dataType === FLOAT ? new Float32Array(copy.buffer, 0, n) : Float32Array.from(new Float64Array(copy.buffer, 0, n));
}

/** Every float tensor of the graph by name: initialisers and Constant-node outputs. */
export function readOnnxTensors(bytes: Uint8Array): Map<string, RawTensor> {
  let model;
  try {
    model = decodeOnnxModel(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (bytes.length > 0 && /index out of range/.test(why)) {
      // protobuf's reader ran past the end: a cut-off download, or bytes that are not protobuf at all.
      throw new OnnxFormatError(`not a complete ONNX model: a field runs past the end of the ${bytes.length}-byte file (truncated or not ONNX; ${why})`);
    }
    throw new OnnxFormatError(`not an ONNX model: ${why}`);
  }
  const g = model.graph;
  if (g === null || (g.node.length === 0 && g.initializer.length === 0)) {
    throw new OnnxFormatError('not an ONNX model: no graph');
  }
  const out = new Map<string, RawTensor>();
  const add = (name: string, t: OnnxTensor): void => {
    const data = tensorData(t, name);
    if (data !== null) out.set(name, { dims: t.dims.map(toNumber), data });
  };
  for (const t of g.initializer) add(t.name, t);
  for (const n of g.node) {
    if (n.opType !== 'Constant') continue;
    const v = n.attribute.find((a) => a.name === 'value');
    const name = n.output[0];
    if (v?.t != null && name !== undefined) add(name, v.t);
  }
  return out;
}

/**
 * Most of a preset's parameters are absent from the file: it is an export of another architecture. The
 * message leads with the count and the first missing name; the full lists are on the object.
 */
export class OnnxModelFamilyError extends WeightsMismatchError {
  override name = 'OnnxModelFamilyError';
  constructor(model: string, found: number, total: number, missing: string[], mismatched: { name: string; expected: number[]; got: number[] }[]) {
    super(model, missing, mismatched);
    this.message = `this ONNX is not a '${model}' export: ${found} of ${total} parameters found (first missing: ${missing[0] ?? mismatched[0]?.name ?? '?'}); ${this.message}`;
  }
}

/** Maps an ONNX file's tensors onto `config`'s parameters (Paddle names and layouts), checking every
 *  one's presence and shape. */
export function importPaddleOnnx(bytes: Uint8Array, config: ModelConfig): Params {
  const tensors = readOnnxTensors(bytes);
  const { specs } = buildStages(config);
  const missing: string[] = [];
  const mismatched: { name: string; expected: number[]; got: number[] }[] = [];
  for (const s of specs) {
    const t = tensors.get(s.name);
    const expected = sourceShape(s.shape, s.paddleLayout);
    if (t === undefined) missing.push(s.name);
    else if (t.dims.length !== expected.length || t.dims.some((d, i) => d !== expected[i])) {
      mismatched.push({ name: s.name, expected, got: t.dims });
    }
  }
  const found = specs.length - missing.length - mismatched.length;
  if (missing.length > 0 && found < specs.length / 2) throw new OnnxModelFamilyError(config.name, found, specs.length, missing, mismatched);
  if (missing.length > 0 || mismatched.length > 0) throw new WeightsMismatchError(config.name, missing, mismatched);
  const params: Params = new Map();
  for (const s of specs) {
    const t = tensors.get(s.name)!;
    params.set(
      s.name,
      tf.tidy(() => fromSourceLayout(tf.tensor(t.data, t.dims, 'float32'), s.paddleLayout)),
    );
  }
  return params;
}
