/**
 * The torch side of the unpickler: the allow-listed globals as data constructors (storages, tensor
 * rebuilds, OrderedDict) and the materialisation of a tensor view (offset, sizes, strides) from its
 * storage's bytes into a dense row-major array.
 *
 * Output dtypes: every floating dtype comes out as a Float32Array. float16 and bfloat16 convert exactly;
 * float64 rounds to the nearest float32 (ties to even, as torch's `.to(torch.float32)`), so values beyond
 * ±3.4e38 become ±Infinity and tiny ones flush towards subnormals/zero. Integers keep their width (int64 as
 * BigInt64Array, exact); bool comes out as a Uint8Array of 0/1. `dtype` always reports the stored dtype.
 */
import { CheckpointFormatError, UnsupportedCheckpointError } from '../../runtime/errors.ts';
import { isList, PyData, PyDict, PyGlobal, PyTuple, typeName, type Constructor, type PyValue } from './pickle.ts';

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
export type TensorData = Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface PthTensor {
  /** The dtype stored in the checkpoint (float64/float16/bfloat16 data is converted to Float32Array). */
  dtype: TorchDtype;
  shape: number[];
  /** Dense, row-major (C order) values. */
  data: TensorData;
}

interface StorageType {
  dtype: TorchDtype | null;
  elementSize: number;
}

/** torch's legacy typed-storage class names, as checkpoints name them (torch/storage.py). */
export const STORAGE_TYPES: ReadonlyMap<string, StorageType> = new Map<string, StorageType>([
  ['FloatStorage', { dtype: 'float32', elementSize: 4 }],
  ['DoubleStorage', { dtype: 'float64', elementSize: 8 }],
  ['HalfStorage', { dtype: 'float16', elementSize: 2 }],
  ['BFloat16Storage', { dtype: 'bfloat16', elementSize: 2 }],
  ['LongStorage', { dtype: 'int64', elementSize: 8 }],
  ['IntStorage', { dtype: 'int32', elementSize: 4 }],
  ['ShortStorage', { dtype: 'int16', elementSize: 2 }],
  ['CharStorage', { dtype: 'int8', elementSize: 1 }],
  ['ByteStorage', { dtype: 'uint8', elementSize: 1 }],
  ['BoolStorage', { dtype: 'bool', elementSize: 1 }],
  // Known and harmless as data, but not converted: a tensor on one of these is an UnsupportedCheckpointError.
  ['ComplexFloatStorage', { dtype: null, elementSize: 8 }],
  ['ComplexDoubleStorage', { dtype: null, elementSize: 16 }],
  ['QInt8Storage', { dtype: null, elementSize: 1 }],
  ['QUInt8Storage', { dtype: null, elementSize: 1 }],
  ['QInt32Storage', { dtype: null, elementSize: 4 }],
]);

/** One storage of the checkpoint: the bytes at `key` (zip: `data/<key>`; legacy: the key's record). */
export class StorageRef extends PyData {
  constructor(
    readonly key: string,
    readonly typeName: string,
    readonly type: StorageType,
    /** Elements in the whole (root) storage. */
    readonly numel: number,
    /** A legacy storage view (torch < 0.4): elements [viewOffset, viewOffset + viewNumel) of `key`. */
    readonly viewOffset = 0,
    readonly viewNumel = numel,
  ) {
    super();
  }
}

export class TensorRef extends PyData {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {
    super();
  }
}

function fmt(msg: string): never {
  throw new CheckpointFormatError(msg);
}

function intArg(v: PyValue, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return fmt(`${what} must be a non-negative integer, got ${typeName(v)} ${typeof v === 'number' || typeof v === 'bigint' ? String(v) : ''}`.trim());
}

function intTuple(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : isList(v) ? v : fmt(`${what} must be a tuple, got ${typeName(v)}`);
  if (items.length > 64) fmt(`${what} has ${items.length} dimensions`);
  return items.map((x, i) => intArg(x, `${what}[${i}]`));
}

function rebuildTensor(args: readonly PyValue[], name: string): TensorRef {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (!(storage instanceof StorageRef)) return fmt(`${name}: first argument must be a storage, got ${typeName(storage ?? null)}`);
  const shape = intTuple(size ?? null, `${name} size`);
  const strides = intTuple(stride ?? null, `${name} stride`);
  if (shape.length !== strides.length) fmt(`${name}: size ${shape.length}-d but stride ${strides.length}-d`);
  return new TensorRef(storage, intArg(offset ?? null, `${name} storage_offset`), shape, strides, requiresGrad === true);
}

/** `torch._utils` rebuild functions and `collections.OrderedDict`, as data constructors. */
export const TORCH_CONSTRUCTORS: ReadonlyMap<string, Constructor> = new Map<string, Constructor>([
  [
    'collections.OrderedDict',
    (args, name, charge) => {
      const d = new PyDict(true);
      if (args.length === 0) return d;
      const items = args[0];
      if (args.length !== 1 || !(isList(items) || items instanceof PyTuple)) return fmt(`${name}: expected () or (list of pairs,)`);
      const pairs = isList(items) ? items : items.items;
      charge(pairs.length);
      for (const kv of pairs) {
        const pair = kv instanceof PyTuple ? kv.items : isList(kv) ? kv : fmt(`${name}: item is a ${typeName(kv)}, not a pair`);
        if (pair.length !== 2) fmt(`${name}: item of length ${pair.length}, not a pair`);
        d.set(pair[0]!, pair[1]!);
      }
      return d;
    },
  ],
  [
    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    'torch._utils._rebuild_tensor_v2',
    (args, name) => {
      if (args.length < 6 || args.length > 7) fmt(`${name}: expected 6 or 7 arguments, got ${args.length}`);
      return rebuildTensor(args, name);
    },
  ],
  [
    // _rebuild_tensor(storage, storage_offset, size, stride)
    'torch._utils._rebuild_tensor',
    (args, name) => {
      if (args.length !== 4) fmt(`${name}: expected 4 arguments, got ${args.length}`);
      return rebuildTensor([...args, false], name);
    },
  ],
  [
    // _rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter is its tensor here.
    'torch._utils._rebuild_parameter',
    (args, name) => rebuildParameter(args, name, 3),
  ],
  [
    // _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state) (torch ≥ 1.13).
    'torch._utils._rebuild_parameter_with_state',
    (args, name) => rebuildParameter(args, name, 4),
  ],
]);

function rebuildParameter(args: readonly PyValue[], name: string, arity: number): TensorRef {
  if (args.length !== arity) fmt(`${name}: expected ${arity} arguments, got ${args.length}`);
  const t = args[0];
  if (!(t instanceof TensorRef)) return fmt(`${name}: data must be a tensor, got ${typeName(t ?? null)}`);
  return new TensorRef(t.storage, t.offset, t.shape, t.stride, args[1] === true);
}

/** Storage classes: allowed as data (inside persistent ids), never called. */
export const TORCH_DATA_GLOBALS: ReadonlySet<string> = new Set([...STORAGE_TYPES.keys()].map((k) => `torch.${k}`));

/** The storage class named by a persistent id (`torch.FloatStorage` global → its dtype and size). */
export function storageType(v: PyValue): { name: string; type: StorageType } {
  if (v instanceof PyGlobal && v.module === 'torch') {
    const type = STORAGE_TYPES.get(v.name);
    if (type) return { name: v.name, type };
  }
  return fmt(`persistent id names ${typeName(v)}, not a torch storage class`);
}

/** Element count of a view, checked against `limit` as it multiplies (no overflow). */
export function viewNumel(shape: readonly number[], limit: number): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const s of shape) {
    n *= s;
    if (n > limit) throw new CheckpointFormatError(`tensor of shape [${shape.join(', ')}] exceeds the element limit ${limit} (option maxElements)`);
  }
  return n;
}

/** Storage bytes → an element-indexed array in native (little-endian) order. */
export function decodeStorage(bytes: Uint8Array, type: StorageType, bigEndian: boolean): TensorData | Float64Array | Uint16Array {
  const size = type.elementSize;
  // View the bytes in place when aligned and little-endian; otherwise copy (aligned, ours to byte-swap).
  const inPlace = !bigEndian && bytes.byteOffset % size === 0 && bytes.buffer instanceof ArrayBuffer;
  const copy = inPlace ? bytes : bytes.slice();
  if (bigEndian && size > 1) {
    for (let i = 0; i + size <= copy.length; i += size) copy.subarray(i, i + size).reverse();
  }
  const buf = copy.buffer;
  const at = copy.byteOffset;
  const count = Math.floor(copy.length / size);
  switch (type.dtype) {
    case 'float32':
      return new Float32Array(buf, at, count);
    case 'float64':
      return new Float64Array(buf, at, count);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf, at, count);
    case 'int64':
      return new BigInt64Array(buf, at, count);
    case 'int32':
      return new Int32Array(buf, at, count);
    case 'int16':
      return new Int16Array(buf, at, count);
    case 'int8':
      return new Int8Array(buf, at, count);
    case 'uint8':
    case 'bool':
      return copy;
    case null:
      throw new UnsupportedCheckpointError(`storage dtype of this checkpoint is not supported`);
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE 754 binary16 → number, exact. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function bf16ToFloat(b: number): number {
  U32[0] = b << 16;
  return F32[0]!;
}

function outputArray(dtype: TorchDtype, n: number): TensorData {
  switch (dtype) {
    case 'float32':
    case 'float64':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
  }
}

/**
 * Gathers the view `t` from its decoded storage into a dense row-major array. `elements` is the decoded
 * root storage; bounds are checked before anything is read.
 */
export function materialise(t: TensorRef, elements: TensorData | Float64Array | Uint16Array, limit: number): PthTensor {
  const { storage } = t;
  const dtype = storage.type.dtype;
  if (dtype === null) throw new UnsupportedCheckpointError(`tensor on torch.${storage.typeName} (complex or quantized) is not supported`);
  const n = viewNumel(t.shape, limit);
  const base = storage.viewOffset + t.offset;
  if (n > 0) {
    let last = t.offset;
    t.shape.forEach((s, i) => (last += (s - 1) * t.stride[i]!));
    if (last >= storage.viewNumel || storage.viewOffset + storage.viewNumel > elements.length) {
      throw new CheckpointFormatError(
        `tensor view (offset ${t.offset}, size [${t.shape.join(', ')}], stride [${t.stride.join(', ')}]) reaches element ${last} of a storage of ${storage.viewNumel}`,
      );
    }
  }
  const out = outputArray(dtype, n);
  const rank = t.shape.length;
  // Row-major contiguous views copy in one go; others walk an odometer over the index.
  let contiguous = true;
  for (let i = rank - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) contiguous = false;
    expect *= t.shape[i]!;
  }
  const convert: ((v: number) => number) | null = dtype === 'float16' ? halfToFloat : dtype === 'bfloat16' ? bf16ToFloat : dtype === 'bool' ? (v) => (v ? 1 : 0) : null;
  if (contiguous && convert === null) {
    (out as Float32Array).set((elements as Float32Array).subarray(base, base + n));
    return { dtype, shape: [...t.shape], data: out };
  }
  const idx = new Array<number>(rank).fill(0);
  let src = base;
  const put = out as Float32Array;
  const get = elements as Float32Array;
  for (let k = 0; k < n; k++) {
    put[k] = convert ? convert(get[src]!) : get[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += t.stride[d]!;
      if (idx[d]! < t.shape[d]!) break;
      src -= t.stride[d]! * t.shape[d]!;
      idx[d] = 0;
    }
  }
  return { dtype, shape: [...t.shape], data: out };
}
