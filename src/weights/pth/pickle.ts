/**
 * A restricted unpickler: the stack machine of CPython's `pickle.py` (`_Unpickler`), protocols 0–5, over
 * a bounded byte cursor, that builds plain data and never calls anything.
 *
 * What a torch state_dict needs, and all that is accepted:
 * - globals `collections.OrderedDict` and `torch._utils._rebuild_tensor{,_v2}` /
 *   `_rebuild_parameter{,_with_state}`: "called" by REDUCE, each implemented here as a data constructor;
 * - the storage classes (`torch.FloatStorage`, …): data only, they name a dtype inside a persistent id;
 * - persistent ids, resolved by the caller's `persistentLoad` (torch's storages).
 * Every other global is refused when it is read (GLOBAL / STACK_GLOBAL / INST), as are the extension
 * registry (EXT1/2/4), REDUCE/NEWOBJ/OBJ/BUILD on anything that is not an allowed constructor, and
 * APPEND/SETITEM/ADDITEMS on objects that are not a list/dict/set (in Python those call methods of the
 * object). No `set` global is allowed: protocol 4 sets need none (EMPTY_SET/ADDITEMS are plain data)
 * and a state_dict holds no sets.
 *
 * Bounds: every opcode consumes at least one byte, so the op count, the stack depth and the memo size are
 * all bounded by the input length; every length prefix is checked against the bytes left before anything
 * is allocated; longs are capped at `MAX_LONG_BYTES`. Truncated or corrupt input ends in a
 * `CheckpointFormatError`, a refused construct in a `PickleSecurityError`.
 */
import { CheckpointFormatError, PickleSecurityError } from '../../runtime/errors.ts';

/** A Python value as this unpickler builds it. Python int → number (or bigint beyond 2^53), float → number. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PySet
  | PyGlobal
  | PyData;

/** Base of the values made by persistentLoad and the allowed constructors (StorageRef, TensorRef). */
export abstract class PyData {}

/** `Array.isArray` without widening to `any[]`. */
export function isList(v: PyValue | undefined): v is PyValue[] {
  return Array.isArray(v);
}

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/**
 * Python hashing for dict keys and set members, insertion-ordered: str, bytes and the rest in separate
 * maps (so no tagging by string concatenation, which would re-hash a long memoised key on every use);
 * numbers by value (1 == 1.0 == True as in Python), tuples and globals by identity.
 */
class KeyTable {
  private readonly str = new Map<string, number>();
  private readonly bytes = new Map<string, number>();
  private readonly other = new Map<unknown, number>();
  readonly entries: [PyValue, PyValue][] = [];

  private slot(k: PyValue): [Map<unknown, number>, unknown] {
    if (typeof k === 'string') return [this.str, k];
    if (k instanceof Uint8Array) return [this.bytes, latin1Of(k)];
    if (k === null || typeof k === 'number' || typeof k === 'bigint') return [this.other, k];
    if (typeof k === 'boolean') return [this.other, k ? 1 : 0];
    if (k instanceof PyTuple || k instanceof PyGlobal) return [this.other, k];
    throw new CheckpointFormatError(`pickle: unhashable ${typeName(k)} used as a dict key or set member`);
  }
  set(k: PyValue, v: PyValue): void {
    const [map, key] = this.slot(k);
    const i = map.get(key);
    if (i === undefined) {
      map.set(key, this.entries.length);
      this.entries.push([k, v]);
    } else {
      this.entries[i]![1] = v; // Python keeps the first position
    }
  }
  get(k: PyValue): PyValue | undefined {
    const [map, key] = this.slot(k);
    const i = map.get(key);
    return i === undefined ? undefined : this.entries[i]![1];
  }
}

const LATIN1 = new WeakMap<Uint8Array, string>();
function latin1Of(b: Uint8Array): string {
  let s = LATIN1.get(b);
  if (s === undefined) {
    s = latin1(b);
    LATIN1.set(b, s);
  }
  return s;
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** dict and collections.OrderedDict (insertion-ordered either way, as in Python ≥ 3.7). */
export class PyDict {
  private readonly table = new KeyTable();
  /** Instance attributes set by BUILD (a state_dict's `_metadata`). */
  attrs: PyValue = null;
  constructor(readonly ordered: boolean) {}
  set(k: PyValue, v: PyValue): void {
    this.table.set(k, v);
  }
  get(k: PyValue): PyValue | undefined {
    return this.table.get(k);
  }
  get size(): number {
    return this.table.entries.length;
  }
  entries(): IterableIterator<[PyValue, PyValue]> {
    return this.table.entries.values();
  }
}

export class PySet {
  private readonly table = new KeyTable();
  constructor(readonly frozen: boolean) {}
  add(v: PyValue): void {
    this.table.set(v, null);
  }
  values(): PyValue[] {
    return this.table.entries.map(([k]) => k);
  }
}

/** A reference to an allow-listed global; only these ever exist. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export function typeName(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof PySet) return 'set';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyData) return v.constructor.name;
  return typeof v;
}

/**
 * An allow-listed callable: takes the REDUCE argument tuple, returns the value it stands for. It calls
 * `charge(n)` before iterating n items of an argument: a memoised list can be passed again and again for
 * a few bytes each, so such work is budgeted against the input size.
 */
export type Constructor = (args: readonly PyValue[], name: string, charge: (n: number) => void) => PyValue;

export interface UnpickleOptions {
  /** Resolves BINPERSID/PERSID ids; without it a persistent id is a format error. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** `module.name` → constructor, the globals REDUCE/NEWOBJ may call. */
  constructors: ReadonlyMap<string, Constructor>;
  /** `module.name` of globals allowed as plain data (never called). */
  dataGlobals: ReadonlySet<string>;
  /** False when `bytes` is a window of a longer file: running off its end then throws `NeedMoreBytes`. */
  complete?: boolean;
}

/** Thrown (internally) when a pickle runs off the end of a partial window; the caller reads more. */
export class NeedMoreBytes extends Error {
  override name = 'NeedMoreBytes';
}

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode. */
  end: number;
}

/** Python 2 module names as protocol ≤ 2 pickles from Python 3 write them (`_compat_pickle`). */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };
export const MAX_LONG_BYTES = 1024;

const OP_NAMES: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x52: 'REDUCE',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x62: 'BUILD',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
};

export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): UnpickleResult {
  const { constructors, dataGlobals, persistentLoad } = options;
  const complete = options.complete ?? true;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  let stack: PyValue[] = [];
  const metastack: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  // Work beyond one step per opcode (constructors iterating memoised containers), bounded by the size.
  let work = 0;
  const workLimit = 8 * (n - start) + 4096;
  const charge = (k: number): void => {
    work += k;
    if (work > workLimit) fail(`the pickle asks for more work (${work} steps) than its ${n - start} bytes allow`);
  };

  const fail = (msg: string): never => {
    throw new CheckpointFormatError(`pickle: ${msg} (at byte ${pos})`);
  };
  const need = (k: number): number => {
    if (k < 0 || pos + k > n) {
      if (!complete) throw new NeedMoreBytes();
      fail(`truncated: needs ${k} more bytes, ${n - pos} left`);
    }
    const at = pos;
    pos += k;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(n)) {
      if (!complete) throw new NeedMoreBytes();
      fail(`length ${v} exceeds the input`);
    }
    return Number(v);
  };
  const take = (k: number): Uint8Array => {
    const at = need(k);
    return bytes.subarray(at, at + k);
  };
  const readline = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) {
      if (!complete) throw new NeedMoreBytes();
      fail('truncated: unterminated line');
    }
    const s = latin1(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('invalid UTF-8 in a string');
    }
  };

  const push = (v: PyValue): void => {
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) fail('no MARK on the stack');
    stack = prev!;
    return items;
  };
  const memoGet = (i: number): PyValue => {
    const v = memo.get(i);
    if (v === undefined) fail(`memo entry ${i} is missing`);
    return v!;
  };
  const memoPut = (i: number): void => {
    memo.set(i, top());
  };

  const findGlobal = (moduleRaw: string, name: string, via: string): PyGlobal => {
    const module = PY2_MODULES[moduleRaw] ?? moduleRaw;
    const q = `${module}.${name}`;
    if (!constructors.has(q) && !dataGlobals.has(q)) {
      const hint = module.startsWith('torch') ? '' : '; a whole pickled model or a checkpoint with other objects needs re-saving as model.state_dict()';
      throw new PickleSecurityError(`${moduleRaw}.${name}`, `global not in the allow-list (${via} at byte ${pos})${hint}`);
    }
    return new PyGlobal(module, name);
  };
  const call = (fn: PyValue, args: PyValue, op: number): PyValue => {
    const opName = OP_NAMES[op] ?? 'call';
    if (!(fn instanceof PyGlobal)) throw new PickleSecurityError(opName, `the callable is a ${typeName(fn)}, not an allow-listed constructor`);
    const ctor = constructors.get(fn.qualified);
    if (!ctor) throw new PickleSecurityError(fn.qualified, `allowed as data only, not callable (${opName})`);
    if (!(args instanceof PyTuple)) fail(`${opName} arguments must be a tuple, got ${typeName(args)}`);
    return ctor((args as PyTuple).items, fn.qualified, charge);
  };
  const toLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > MAX_LONG_BYTES) fail(`integer of ${b.length} bytes exceeds the ${MAX_LONG_BYTES}-byte limit`);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return smallInt(v);
  };
  const parseIntLine = (s: string): number | bigint => {
    const t = s.endsWith('L') ? s.slice(0, -1) : s;
    if (!/^[-+]?\d+$/.test(t) || t.length > MAX_LONG_BYTES * 3) fail(`bad integer literal '${s.slice(0, 40)}'`);
    return smallInt(BigInt(t));
  };
  const pyString = (s: string): string => {
    // Protocol 0 STRING: a Python repr in single or double quotes; only the escapes repr emits.
    const q = s[0];
    if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail('STRING is not quoted');
    const body = s.slice(1, -1);
    return body.replace(/\\(x[0-9a-fA-F]{2}|[\\'"nrt])/g, (_m, e: string) => {
      if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
      return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
    });
  };
  const rawUnicode = (s: string): string =>
    s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a: string | undefined, b: string | undefined) => {
      const cp = parseInt(a ?? b ?? '0', 16);
      if (cp > 0x10ffff) fail('bad \\U escape');
      return String.fromCodePoint(cp);
    });

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: {
        const v = u8(); // PROTO
        if (v > 5) fail(`unsupported pickle protocol ${v}`);
        break;
      }
      case 0x95: // FRAME: an 8-byte length; frames only group opcodes
        u64();
        break;
      case 0x2e: // STOP
        if (metastack.length !== 0 || stack.length !== 1) fail(`STOP with ${stack.length} values and ${metastack.length} marks on the stack`);
        return { value: stack[0]!, end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;

      // Constants and numbers.
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(dv.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(toLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const len = dv.getInt32(need(4), true);
        if (len < 0) fail('negative LONG4 length');
        push(toLong(take(len)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        push(dv.getFloat64(need(8), false));
        break;
      case 0x49: {
        // INT (protocol 0; "00"/"01" are False/True)
        const s = readline();
        push(s === '00' ? false : s === '01' ? true : parseIntLine(s));
        break;
      }
      case 0x4c: // LONG (protocol 0)
        push(parseIntLine(readline()));
        break;
      case 0x46: {
        // FLOAT (protocol 0)
        const s = readline().trim();
        const v = Number(s);
        if (s === '' || (Number.isNaN(v) && s.toLowerCase() !== 'nan')) fail(`bad float literal '${s.slice(0, 40)}'`);
        push(v);
        break;
      }

      // Strings and bytes.
      case 0x58: // BINUNICODE
        push(text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(text(take(u64())));
        break;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        push(rawUnicode(readline()));
        break;
      case 0x53: // STRING (protocol 0)
        push(pyString(readline()));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str: decoded as latin-1, like encoding='latin1')
        const len = dv.getInt32(need(4), true);
        if (len < 0) fail('negative BINSTRING length');
        push(latin1(take(len)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1(take(u8())));
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(u64()).slice());
        break;

      // Containers.
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict(false));
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail('DICT with an odd number of items');
        const d = new PyDict(false);
        for (let i = 0; i < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
        push(d);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new PySet(false));
        break;
      case 0x91: {
        // FROZENSET
        const s = new PySet(true);
        for (const v of popMark()) s.add(v);
        push(s);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) throw new PickleSecurityError('APPEND', `target is a ${typeName(list)}, not a list (it would call its append method)`);
        list.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new PickleSecurityError('APPENDS', `target is a ${typeName(list)}, not a list (it would call its extend method)`);
        for (const v of items) list.push(v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        const d = top();
        if (!(d instanceof PyDict)) throw new PickleSecurityError('SETITEM', `target is a ${typeName(d)}, not a dict (it would call its __setitem__)`);
        d.set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const d = top();
        if (!(d instanceof PyDict)) throw new PickleSecurityError('SETITEMS', `target is a ${typeName(d)}, not a dict (it would call its __setitem__)`);
        if (items.length % 2) fail('SETITEMS with an odd number of items');
        for (let i = 0; i < items.length; i += 2) d.set(items[i]!, items[i + 1]!);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof PySet) || s.frozen) throw new PickleSecurityError('ADDITEMS', `target is a ${typeName(s)}, not a set (it would call its add method)`);
        for (const v of items) s.add(v);
        break;
      }

      // Memo.
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x67: {
        // GET
        const i = parseIntLine(readline());
        push(memoGet(Number(i)));
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32());
        break;
      case 0x70: {
        // PUT
        const i = parseIntLine(readline());
        memoPut(Number(i));
        break;
      }
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;

      // Persistent ids: torch's storages.
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!persistentLoad) fail('persistent id outside a checkpoint');
        push(persistentLoad!(pid));
        break;
      }
      case 0x50: {
        // PERSID (protocol 0: the id is a line of text)
        const pid = readline();
        if (!persistentLoad) fail('persistent id outside a checkpoint');
        push(persistentLoad!(pid));
        break;
      }

      // Globals and calls: allow-list only.
      case 0x63: {
        // GLOBAL
        const module = readline();
        const name = readline();
        push(findGlobal(module, name, 'GLOBAL'));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(findGlobal(module as string, name as string, 'STACK_GLOBAL'));
        break;
      }
      case 0x69: {
        // INST: module and name inline, arguments from the mark
        const module = readline();
        const name = readline();
        const cls = findGlobal(module, name, 'INST');
        push(call(cls, new PyTuple(popMark()), op));
        break;
      }
      case 0x6f: {
        // OBJ: class and arguments from the mark
        const items = popMark();
        if (items.length === 0) fail('OBJ without a class');
        push(call(items[0]!, new PyTuple(items.slice(1)), op));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(call(fn, args, op));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        push(call(cls, args, op));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs); no allowed constructor takes kwargs
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof PyDict) || kwargs.size !== 0) throw new PickleSecurityError('NEWOBJ_EX', 'keyword arguments are not accepted');
        push(call(cls, args, op));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state) or obj.__dict__.update(state); only OrderedDict attributes
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) throw new PickleSecurityError('BUILD', `target is a ${typeName(obj)}; only an OrderedDict's attributes may be set`);
        obj.attrs = state;
        break;
      }
      case 0x82:
      case 0x83:
      case 0x84:
        throw new PickleSecurityError(OP_NAMES[op]!, 'the extension registry resolves globals by number');
      case 0x97:
      case 0x98:
        fail('out-of-band buffers (protocol 5 NEXT_BUFFER/READONLY_BUFFER) are not used by checkpoints');
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function smallInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
