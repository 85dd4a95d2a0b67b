import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, PickleSecurityError } from '../../runtime/errors.ts';
import { readStateDict } from './index.ts';
import { PyData, PyDict, PyGlobal, PySet, PyTuple, unpickle, type PyValue, type UnpickleOptions } from './pickle.ts';
import { StorageRef, STORAGE_TYPES, TensorRef, TORCH_CONSTRUCTORS, TORCH_DATA_GLOBALS } from './tensors.ts';
import malicious from './fixtures/malicious.json';
import pickles from './fixtures/pickles.json';

const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const options: UnpickleOptions = { constructors: TORCH_CONSTRUCTORS, dataGlobals: TORCH_DATA_GLOBALS };
const load = (bytes: Uint8Array | number[]): PyValue => unpickle(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), 0, options).value;
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** The Python side's JSON form (scripts/fixtures/pth.py `to_json`). */
function toJson(v: PyValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return { int: String(v) };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (v instanceof PyTuple) return { tuple: v.items.map(toJson) };
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof PySet) return { set: v.values().map(toJson).sort() };
  if (v instanceof PyDict) return { [v.ordered ? 'odict' : 'dict']: [...v.entries()].map(([k, x]) => [toJson(k), toJson(x)]) };
  throw new Error(`unexpected ${v.constructor.name}`);
}

describe('unpickler on plain data', () => {
  it.each(pickles.cases.map((c) => [c.protocol, c] as const))('protocol %i gives what Python pickled', (_p, c) => {
    const v = load(fromBase64(c.base64));
    expect(toJson(v)).toEqual(c.value);
    // The memo keeps identity: one list pickled twice is one array.
    const d = v as PyDict;
    expect(d.get('shared')).toBe(d.get('shared_again'));
  });

  it('reports the end offset, so back-to-back pickles can be read in turn', () => {
    const two = new Uint8Array([0x80, 0x02, 0x4b, 0x07, 0x2e, 0x80, 0x02, 0x88, 0x2e]);
    const a = unpickle(two, 0, options);
    expect(a).toEqual({ value: 7, end: 5 });
    expect(unpickle(two, a.end, options)).toEqual({ value: true, end: 9 });
  });
});

describe('the allow-list', () => {
  it('is exactly the state_dict constructors and storage classes', () => {
    expect([...TORCH_CONSTRUCTORS.keys()].sort()).toEqual([
      'collections.OrderedDict',
      'torch._utils._rebuild_parameter',
      'torch._utils._rebuild_parameter_with_state',
      'torch._utils._rebuild_tensor',
      'torch._utils._rebuild_tensor_v2',
    ]);
    for (const g of TORCH_DATA_GLOBALS) expect(g).toMatch(/^torch\.[A-Za-z0-9]+Storage$/);
  });

  it('constructors return data, never a callable', () => {
    for (const [name, ctor] of TORCH_CONSTRUCTORS) {
      let out: unknown;
      try {
        out = ctor([], name, () => undefined);
      } catch (e) {
        expect(e).toBeInstanceOf(CheckpointFormatError);
        continue;
      }
      expect(typeof out).not.toBe('function');
      expect(out instanceof PyDict || out instanceof PyData).toBe(true);
    }
  });

  it('an allowed global is inert data until REDUCE, which only reaches the constructor table', () => {
    const g = load([0x80, 0x02, ...ascii('ccollections\nOrderedDict\n'), 0x2e]);
    expect(g).toEqual(new PyGlobal('collections', 'OrderedDict'));
    expect(load([0x80, 0x02, ...ascii('ccollections\nOrderedDict\n'), 0x29, 0x52, 0x2e])).toBeInstanceOf(PyDict);
  });
});

describe('torch rebuild constructors', () => {
  const storage = new StorageRef('0', 'FloatStorage', STORAGE_TYPES.get('FloatStorage')!, 6);
  const withPid: UnpickleOptions = { ...options, persistentLoad: () => storage };
  const g = (m: string, n: string): number[] => ascii(`c${m}\n${n}\n`);
  // _rebuild_tensor_v2 / _rebuild_tensor arguments: (pid, offset 1, size (2, 2), stride (1, 2), ...)
  const view = [0x4e, 0x51, 0x4b, 1, 0x4b, 2, 0x4b, 2, 0x86, 0x4b, 1, 0x4b, 2, 0x86];
  const od = [...g('collections', 'OrderedDict'), 0x29, 0x52];

  it.each([
    ['_rebuild_tensor_v2 with metadata (7 arguments)', [...g('torch._utils', '_rebuild_tensor_v2'), 0x28, ...view, 0x88, ...od, 0x4e, 0x74, 0x52], true],
    ['_rebuild_tensor (4 arguments)', [...g('torch._utils', '_rebuild_tensor'), 0x28, ...view, 0x74, 0x52], false],
    [
      '_rebuild_parameter_with_state',
      [...g('torch._utils', '_rebuild_parameter_with_state'), 0x28, ...g('torch._utils', '_rebuild_tensor'), 0x28, ...view, 0x74, 0x52, 0x88, ...od, 0x7d, 0x74, 0x52],
      true,
    ],
  ])('%s', (_n, body, grad) => {
    const t = unpickle(new Uint8Array([0x80, 0x02, ...body, 0x2e]), 0, withPid).value;
    expect(t).toEqual(new TensorRef(storage, 1, [2, 2], [1, 2], grad));
  });

  it('rejects malformed rebuild arguments as format errors', () => {
    const bad = [...g('torch._utils', '_rebuild_tensor'), 0x28, 0x4e, 0x51, 0x4b, 1, 0x4b, 2, 0x85, 0x4b, 1, 0x4b, 2, 0x86, 0x74, 0x52];
    expect(() => unpickle(new Uint8Array([0x80, 0x02, ...bad, 0x2e]), 0, withPid)).toThrow(/size 1-d but stride 2-d/);
    const notStorage = [...g('torch._utils', '_rebuild_tensor'), 0x28, 0x4e, 0x4b, 1, 0x29, 0x29, 0x74, 0x52];
    expect(() => unpickle(new Uint8Array([0x80, 0x02, ...notStorage, 0x2e]), 0, withPid)).toThrow(CheckpointFormatError);
  });
});

describe('malicious pickles: refused, nothing executed', () => {
  it.each(malicious.cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const err: unknown = await readStateDict(fromBase64(c.base64)).catch((e: unknown) => e);
    expect(err, c.form).toBeInstanceOf(PickleSecurityError);
    expect((err as PickleSecurityError).name).toBe('PickleSecurityError');
    expect((err as PickleSecurityError).what).toBe(c.global);
    expect((err as Error).message).toContain(c.global);
    // No Python runs on this path, so a marker file could never appear; what can fail is *when* the
    // payload is refused. The generator proved each live payload runs under torch.load; here its global
    // must be refused by the opcode that names it, before the REDUCE/OBJ/NEWOBJ that would call it.
    if (c.live) expect((err as Error).message).toMatch(/\((GLOBAL|STACK_GLOBAL|INST) at byte \d+\)/);
  });

  it.each([
    ['os.system via GLOBAL', 'cos\nsystem\n', 'os.system'],
    ['builtins.exec', 'cbuiltins\nexec\n', 'builtins.exec'],
    ['__builtin__.getattr', 'c__builtin__\ngetattr\n', '__builtin__.getattr'],
    ['a near miss of an allowed name', 'ctorch._utils\n_rebuild_tensor_v3\n', 'torch._utils._rebuild_tensor_v3'],
    ['an allowed name in another module', 'ctorch\n_rebuild_tensor_v2\n', 'torch._rebuild_tensor_v2'],
    ['numpy reconstruct', 'cnumpy.core.multiarray\n_reconstruct\n', 'numpy.core.multiarray._reconstruct'],
  ])('refuses %s', (_n, global, what) => {
    expect(() => load([0x80, 0x02, ...ascii(global), 0x2e])).toThrow(expect.objectContaining({ name: 'PickleSecurityError', what }) as Error);
  });

  it('refuses STACK_GLOBAL with a forbidden name', () => {
    const op = [0x80, 0x04, 0x8c, 2, ...ascii('os'), 0x8c, 6, ...ascii('system'), 0x93, 0x2e];
    expect(() => load(op)).toThrow(PickleSecurityError);
  });

  it('refuses calls through values that are not allowed constructors', () => {
    // REDUCE on a string, on a tuple, NEWOBJ on a storage class, OBJ on an OrderedDict instance.
    expect(() => load([0x80, 0x02, 0x8c, 1, 0x61, 0x29, 0x52, 0x2e])).toThrow(PickleSecurityError);
    expect(() => load([0x80, 0x02, 0x29, 0x29, 0x52, 0x2e])).toThrow(PickleSecurityError);
    expect(() => load([0x80, 0x02, ...ascii('ctorch\nFloatStorage\n'), 0x29, 0x81, 0x2e])).toThrow(/allowed as data only/);
    expect(() => load([0x80, 0x02, 0x28, 0x7d, 0x6f, 0x2e])).toThrow(PickleSecurityError);
  });

  it('refuses APPEND/SETITEM/ADDITEMS on objects that would have methods called', () => {
    expect(() => load([0x80, 0x02, 0x29, 0x4b, 1, 0x61, 0x2e])).toThrow(/APPEND/);
    expect(() => load([0x80, 0x02, 0x5d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e])).toThrow(/SETITEM/);
    expect(() => load([0x80, 0x04, 0x5d, 0x28, 0x4b, 1, 0x90, 0x2e])).toThrow(/ADDITEMS/);
  });

  it('refuses keyword arguments (NEWOBJ_EX) even for an allowed class', () => {
    const p = [0x80, 0x04, ...ascii('ccollections\nOrderedDict\n'), 0x29, 0x7d, 0x8c, 1, 0x61, 0x4b, 1, 0x73, 0x92, 0x2e];
    expect(() => load(p)).toThrow(/keyword arguments/);
  });
});

describe('malformed pickles end in CheckpointFormatError', () => {
  it.each([
    ['empty', []],
    ['no STOP', [0x80, 0x02, 0x4b, 0x01]],
    ['unknown opcode', [0x80, 0x02, 0xff, 0x2e]],
    ['stack underflow', [0x80, 0x02, 0x85, 0x2e]],
    ['missing memo', [0x80, 0x02, 0x68, 0x05, 0x2e]],
    ['length past the end', [0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x61, 0x2e]],
    ['8-byte length past the end', [0x80, 0x04, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x2e]],
    ['two values at STOP', [0x80, 0x02, 0x4e, 0x4e, 0x2e]],
    ['TUPLE without MARK', [0x80, 0x02, 0x74, 0x2e]],
    ['invalid UTF-8', [0x80, 0x02, 0x8c, 1, 0xff, 0x2e]],
    ['huge LONG4', [0x80, 0x02, 0x8b, 0x00, 0x10, 0x00, 0x00, ...new Array<number>(4096).fill(1), 0x2e]],
    ['unhashable key', [0x80, 0x02, 0x7d, 0x5d, 0x4e, 0x73, 0x2e]],
    ['protocol 6', [0x80, 0x06, 0x4e, 0x2e]],
    ['persistent id outside a checkpoint', [0x80, 0x02, 0x4e, 0x51, 0x2e]],
  ])('%s', (_n, bytes) => {
    expect(() => load(bytes)).toThrow(CheckpointFormatError);
  });

  it.each([
    ['str', 0x58],
    ['bytes', 0x42],
  ])('a long memoised %s key reused many times stays linear', (_n, op) => {
    const len = 1 << 20;
    const reps = 300_000;
    const bytes = new Uint8Array(2 + 2 + 5 + len + 1 + 1 + reps * 3 + 2);
    let p = 0;
    bytes.set([0x80, 0x04, 0x7d, 0x28, op, 0, 0, 0x10, 0], p); // {, MARK, 1 MiB key
    p += 9;
    bytes.fill(0x61, p, p + len);
    p += len;
    bytes.set([0x94, 0x4e], p); // MEMOIZE, None
    p += 2;
    for (let i = 0; i < reps; i++, p += 3) bytes.set([0x68, 0, 0x4e], p); // BINGET 0, None
    bytes.set([0x75, 0x2e], p); // SETITEMS, STOP
    const t0 = performance.now();
    expect((load(bytes) as PyDict).size).toBe(1);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('budgets constructor work: OrderedDict(memoised list) repeated cannot go quadratic', () => {
    const pairs = 50_000;
    const reps = 50_000;
    const head = [0x80, 0x02, ...ascii('ccollections\nOrderedDict\n'), 0x71, 0, 0x5d, 0x71, 1, 0x28]; // OD memo 0, [] memo 1, MARK
    const body = new Uint8Array(head.length + 7 + pairs * 2 + 1 + reps * 6);
    body.set(head);
    let p = head.length;
    body.set([0x4b, 1, 0x4b, 2, 0x86, 0x71, 2], p); // the pair (1, 2), memo 2
    p += 7;
    for (let i = 1; i < pairs; i++, p += 2) body.set([0x68, 2], p); // BINGET 2
    body[p++] = 0x65; // APPENDS
    for (let i = 0; i < reps; i++, p += 6) body.set([0x68, 0, 0x68, 1, 0x85, 0x52], p); // OD(list)
    const bytes = body.subarray(0, p);
    const t0 = performance.now();
    expect(() => load(bytes)).toThrow(/more work/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('bounds work by the input: a deep nest of marks and tuples is linear', () => {
    const depth = 200_000;
    const bytes = new Uint8Array(2 + depth * 2 + 1);
    bytes.set([0x80, 0x02]);
    bytes.fill(0x28, 2, 2 + depth);
    bytes.fill(0x74, 2 + depth, 2 + 2 * depth);
    bytes[bytes.length - 1] = 0x2e;
    const t0 = performance.now();
    expect(load(bytes)).toBeInstanceOf(PyTuple);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
