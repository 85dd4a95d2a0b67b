/**
 * `readStateDict`: a PyTorch checkpoint (`torch.save`) → its state_dict as dense arrays, without running
 * any of the pickle.
 *
 * Two container formats (torch/serialization.py):
 * - zip (torch ≥ 1.6): `<folder>/data.pkl` (the pickle; storages as persistent ids
 *   `('storage', torch.FloatStorage, key, location, numel)`), `<folder>/data/<key>` (raw storage bytes),
 *   `<folder>/version`, `<folder>/byteorder` (torch ≥ 2.1; absent = little). The folder name varies.
 * - legacy (`_use_new_zipfile_serialization=False`, torch < 1.6): five pickles back to back (magic number,
 *   protocol version 1001, sys info, the object with persistent ids
 *   `('storage', type, key, location, numel, view_metadata)`, the sorted storage keys), then each storage
 *   as an int64 element count followed by its raw bytes.
 */
import { CheckpointFormatError, UnsupportedCheckpointError } from '../../runtime/errors.ts';
import { readExact, toSource, type ByteInput } from './byte_input.ts';
import type { ByteSource } from '../../runtime/byte_source.ts';
import { NeedMoreBytes, PyDict, PyTuple, typeName, unpickle, type PyValue, type UnpickleOptions } from './pickle.ts';
import { decodeStorage, materialise, storageType, StorageRef, TensorRef, TORCH_CONSTRUCTORS, TORCH_DATA_GLOBALS, type PthTensor } from './tensors.ts';
import { isZip, ZipArchive } from './zip.ts';

export interface ReadStateDictOptions {
  /** Strip a `module.` prefix (nn.DataParallel) when every key has it. Default true. */
  stripModulePrefix?: boolean;
  /** The entry of a checkpoint dict holding the state_dict (`'state_dict'`, `'model'`, …). Default: found. */
  key?: string;
  /** Check each zip entry's CRC-32. Default true. */
  verifyCrc?: boolean;
  /** Limit on the elements materialised over all tensors. Default 4 × file size + 2^20. */
  maxElements?: number;
}

/** Checkpoint-dict entries that hold the state_dict, in the order they are tried. */
export const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'network', 'state', 'weights', 'params', 'module'];

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

interface Loaded {
  root: PyValue;
  storages: Map<string, StorageRef>;
  /** Reads a root storage's bytes (exactly numel × element size). */
  readStorage: (s: StorageRef) => Promise<Uint8Array>;
  bigEndian: boolean;
}

export async function readStateDict(input: ByteInput, options: ReadStateDictOptions = {}): Promise<Map<string, PthTensor>> {
  const src = toSource(input);
  const loaded = await loadCheckpoint(src, options.verifyCrc ?? true);
  const dict = findStateDict(loaded.root, options.key);
  const limit = options.maxElements ?? 4 * src.size + 2 ** 20;

  const entries: [string, TensorRef][] = [];
  for (const [k, v] of dict.entries()) {
    if (typeof k !== 'string') throw new CheckpointFormatError(`state_dict key is a ${typeName(k)}, not a string`);
    if (v instanceof TensorRef) entries.push([k, v]);
  }
  const strip = (options.stripModulePrefix ?? true) && entries.length > 0 && entries.every(([k]) => k.startsWith('module.'));

  // Storage by storage: read it once, cut every tensor that views it, let it go.
  const byStorage = new Map<string, number[]>();
  entries.forEach(([, t], i) => {
    const list = byStorage.get(t.storage.key) ?? [];
    list.push(i);
    byStorage.set(t.storage.key, list);
  });
  const out = new Array<PthTensor | undefined>(entries.length);
  let budget = limit;
  for (const [key, indices] of byStorage) {
    const root = loaded.storages.get(key)!;
    const elements = decodeStorage(await loaded.readStorage(root), root.type, loaded.bigEndian);
    for (const i of indices) {
      const t = materialise(entries[i]![1], elements, budget);
      budget -= t.data.length;
      out[i] = t;
    }
  }
  const result = new Map<string, PthTensor>();
  entries.forEach(([k], i) => {
    const name = strip ? k.slice('module.'.length) : k;
    if (result.has(name)) throw new CheckpointFormatError(`duplicate state_dict key '${name}'`);
    result.set(name, out[i]!);
  });
  return result;
}

/** The state_dict inside a checkpoint: the object itself, `obj[key]`, or a well-known entry. */
export function findStateDict(root: PyValue, key?: string): PyDict {
  // Verdicts cached per dict: a checkpoint can reference one big dict from many entries.
  const seen = new Map<PyDict, boolean>();
  const isStateDict = (v: PyValue | undefined): boolean => {
    if (!(v instanceof PyDict) || v.size === 0) return false;
    let ok = seen.get(v);
    if (ok === undefined) {
      ok = true;
      for (const [k, x] of v.entries()) {
        if (typeof k !== 'string' || !(x instanceof TensorRef)) {
          ok = false;
          break;
        }
      }
      seen.set(v, ok);
    }
    return ok;
  };
  if (!(root instanceof PyDict)) throw new CheckpointFormatError(`checkpoint holds a ${typeName(root)}, not a dict of tensors`);
  if (key !== undefined) {
    const v = root.get(key);
    if (!isStateDict(v)) throw new CheckpointFormatError(`checkpoint entry '${key}' is ${v === undefined ? 'missing' : `a ${typeName(v)}, not a dict of tensors`}`);
    return v as PyDict;
  }
  if (isStateDict(root)) return root;
  for (const k of STATE_DICT_KEYS) {
    const v = root.get(k);
    if (isStateDict(v)) return v as PyDict;
  }
  const found = new Set([...root.entries()].map(([, v]) => v).filter(isStateDict));
  if (found.size === 1) return [...found][0] as PyDict;
  const keys = [...root.entries()].map(([k]) => (typeof k === 'string' ? `'${k}'` : typeName(k))).slice(0, 20);
  throw new CheckpointFormatError(`no state_dict in this checkpoint: top-level keys are ${keys.join(', ')}; pass the key option`);
}

/** Opens either format and unpickles the object, storages unresolved. */
export async function loadCheckpoint(src: ByteSource, verifyCrc = true): Promise<Loaded> {
  if (src.size === 0) throw new CheckpointFormatError('empty file');
  const head = await readExact(src, 0, Math.min(src.size, 512), 'file header');
  if (isZip(head)) return loadZip(src, verifyCrc);
  if (head[0] === 0x80) return loadLegacy(src);
  if (head.length >= 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') {
    throw new UnsupportedCheckpointError('tar checkpoint (torch < 0.4 legacy tar format) is not supported; re-save it with a newer torch');
  }
  throw new CheckpointFormatError('not a PyTorch checkpoint: neither a zip archive nor a legacy pickle stream');
}

function unpickleOptions(persistentLoad: (pid: PyValue) => PyValue, complete = true): UnpickleOptions {
  return { constructors: TORCH_CONSTRUCTORS, dataGlobals: TORCH_DATA_GLOBALS, persistentLoad, complete };
}

function pidTuple(pid: PyValue, arity: number): readonly PyValue[] {
  const items = pid instanceof PyTuple ? pid.items : null;
  if (!items || items[0] !== 'storage' || items.length !== arity) {
    throw new CheckpointFormatError(`persistent id must be ('storage', …) with ${arity} items, got ${typeName(pid)}`);
  }
  return items;
}

function numelArg(v: PyValue | undefined): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new CheckpointFormatError(`storage size must be a non-negative integer, got ${typeName(v ?? null)}`);
  return v;
}

async function loadZip(src: ByteSource, verifyCrc: boolean): Promise<Loaded> {
  const zip = await ZipArchive.open(src);
  const pkls = [...zip.entries.keys()].filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    throw new CheckpointFormatError(`zip is not a torch checkpoint: expected one <folder>/data.pkl, found ${pkls.length}`);
  }
  const prefix = pkls[0]!.slice(0, -'data.pkl'.length);
  if (zip.entries.has(`${prefix}constants.pkl`) || [...zip.entries.keys()].some((n) => n.startsWith(`${prefix}code/`))) {
    throw new UnsupportedCheckpointError('this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save model.state_dict() with torch.save');
  }
  let bigEndian = false;
  const order = zip.entries.get(`${prefix}byteorder`);
  if (order) {
    const s = new TextDecoder().decode(await zip.read(order, verifyCrc)).trim();
    if (s !== 'little' && s !== 'big') throw new CheckpointFormatError(`byteorder record is '${s.slice(0, 20)}', not little or big`);
    bigEndian = s === 'big';
  }
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const [, cls, key, , numel] = pidTuple(pid, 5);
    if (typeof key !== 'string') throw new CheckpointFormatError(`storage key is a ${typeName(key ?? null)}`);
    const known = storages.get(key);
    if (known) return known;
    const { name, type } = storageType(cls ?? null);
    const ref = new StorageRef(key, name, type, numelArg(numel));
    storages.set(key, ref);
    return ref;
  };
  const pklEntry = zip.entries.get(pkls[0]!)!;
  const root = unpickle(await zip.read(pklEntry, verifyCrc), 0, unpickleOptions(persistentLoad)).value;
  const readStorage = async (s: StorageRef): Promise<Uint8Array> => {
    const entry = zip.entries.get(`${prefix}data/${s.key}`);
    if (!entry) throw new CheckpointFormatError(`storage '${s.key}' has no ${prefix}data/${s.key} entry`);
    const nbytes = s.numel * s.type.elementSize;
    if (entry.size !== nbytes) throw new CheckpointFormatError(`storage '${s.key}' holds ${entry.size} bytes, expected ${s.numel} × ${s.type.elementSize}`);
    return zip.read(entry, verifyCrc);
  };
  return { root, storages, readStorage, bigEndian };
}

async function loadLegacy(src: ByteSource): Promise<Loaded> {
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const items = pid instanceof PyTuple ? pid.items : [];
    if (items[0] === 'module') throw new UnsupportedCheckpointError('checkpoint pickles whole nn.Modules (torch.save(model)); save model.state_dict() instead');
    const [, cls, key, , numel, view] = pidTuple(pid, 6);
    if (typeof key !== 'string') throw new CheckpointFormatError(`storage key is a ${typeName(key ?? null)}`);
    const { name, type } = storageType(cls ?? null);
    let root = storages.get(key);
    if (!root) {
      root = new StorageRef(key, name, type, numelArg(numel));
      storages.set(key, root);
    } else if (root.typeName !== name) {
      throw new CheckpointFormatError(`legacy storage '${key}' is named both torch.${root.typeName} and torch.${name}`);
    }
    if (view === null || view === undefined) return root;
    // (view_key, offset, view_size): a slice of the root storage, in elements (torch < 0.4 files).
    const v = view instanceof PyTuple ? view.items : [];
    const [, offset, size] = v;
    if (v.length !== 3 || typeof offset !== 'number' || typeof size !== 'number' || offset < 0 || size < 0 || offset + size > root.numel) {
      throw new CheckpointFormatError(`bad storage view metadata for '${key}'`);
    }
    return new StorageRef(key, name, type, root.numel, offset, size);
  };

  // The pickles sit at the start; unpickle from a window that doubles until each one fits.
  let window = await readExact(src, 0, Math.min(src.size, 1 << 20), 'legacy header');
  let pos = 0;
  const next = async (persistent: boolean): Promise<PyValue> => {
    for (;;) {
      const complete = window.length === src.size;
      try {
        const r = unpickle(window, pos, unpickleOptions(persistent ? persistentLoad : noPersistent, complete));
        pos = r.end;
        return r.value;
      } catch (err) {
        if (!(err instanceof NeedMoreBytes)) throw err;
        window = await readExact(src, 0, Math.min(src.size, window.length * 2), 'legacy pickles');
      }
    }
  };
  const magic = await next(false);
  if (magic !== LEGACY_MAGIC) throw new CheckpointFormatError('not a PyTorch checkpoint: the legacy magic number is missing');
  const protocol = await next(false);
  if (protocol !== LEGACY_PROTOCOL) throw new UnsupportedCheckpointError(`legacy checkpoint protocol ${typeof protocol === 'number' ? protocol : typeName(protocol)}, expected ${LEGACY_PROTOCOL}`);
  const sysInfo = await next(false);
  const little = sysInfo instanceof PyDict ? sysInfo.get('little_endian') : undefined;
  if (typeof little !== 'boolean') throw new CheckpointFormatError('legacy sys_info lacks little_endian');
  const bigEndian = !little;
  const root = await next(true);
  const keys = await next(false);
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw new CheckpointFormatError('legacy storage key list is not a list of strings');

  // The storage records, in key order: int64 element count, then the bytes. Locate them all first.
  const located = new Map<string, number>();
  let at = pos;
  for (const key of keys as string[]) {
    const s = storages.get(key);
    if (located.has(key)) throw new CheckpointFormatError(`legacy storage '${key}' is listed twice`);
    if (!s) throw new CheckpointFormatError(`legacy storage '${key}' is not referenced by the pickle`);
    const countBytes = await readExact(src, at, 8, `size of storage '${key}'`);
    const count = new DataView(countBytes.buffer, countBytes.byteOffset, 8).getBigInt64(0, !bigEndian);
    if (count !== BigInt(s.numel)) throw new CheckpointFormatError(`legacy storage '${key}' records ${count} elements, the pickle says ${s.numel}`);
    located.set(key, at + 8);
    at += 8 + s.numel * s.type.elementSize;
    if (at > src.size) throw new CheckpointFormatError(`truncated checkpoint: storage '${key}' runs past the end of the file`);
  }
  for (const key of storages.keys()) if (!located.has(key)) throw new CheckpointFormatError(`legacy storage '${key}' is missing from the storage list`);
  const readStorage = (s: StorageRef): Promise<Uint8Array> => readExact(src, located.get(s.key)!, s.numel * s.type.elementSize, `storage '${s.key}'`);
  return { root, storages, readStorage, bigEndian };
}

function noPersistent(): PyValue {
  throw new CheckpointFormatError('persistent id outside the legacy object pickle');
}
