import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { CheckpointFormatError, UnsupportedCheckpointError } from '../../runtime/errors.ts';
import { blobByteSource, memoryByteSource, type ByteSource } from '../../runtime/byte_source.ts';
import { findStateDict, PyDict, readStateDict, type PthTensor } from './index.ts';
import { StorageRef, STORAGE_TYPES, TensorRef } from './tensors.ts';
import expected from './fixtures/expected.json';

// Fixtures: scripts/fixtures/pth.py with PyTorch 1.13. Values are compared exactly (float dtypes as torch's
// own `.to(torch.float32)`), including -0, ±inf and NaN.

interface ExpectedTensor {
  dtype: string;
  shape: number[];
  data: (number | string)[];
}
interface ExpectedDict {
  keys: string[];
  stripped: string[];
  tensors: Record<string, ExpectedTensor>;
}
const stateDicts = expected.stateDicts as Record<string, ExpectedDict>;
const checkpoints = expected.checkpoints as Record<string, string>;

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

function expectTensor(key: string, got: PthTensor | undefined, want: ExpectedTensor): void {
  expect(got, key).toBeDefined();
  expect(got!.dtype, key).toBe(want.dtype);
  expect(got!.shape, key).toEqual(want.shape);
  expect(got!.data.length, key).toBe(want.data.length);
  const data = got!.data;
  if (want.dtype === 'int64') {
    expect(data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(data as BigInt64Array, String), key).toEqual(want.data);
    return;
  }
  const ctor = { float32: Float32Array, float64: Float32Array, float16: Float32Array, bfloat16: Float32Array, int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array }[want.dtype];
  expect(data, key).toBeInstanceOf(ctor!);
  want.data.forEach((w, i) => {
    const g = (data as Float32Array)[i]!;
    const wn = w === 'nan' ? NaN : w === 'inf' ? Infinity : w === '-inf' ? -Infinity : (w as number);
    if (!Object.is(g, wn)) expect.fail(`${key}[${i}]: got ${g}, want ${String(w)}`);
  });
}

describe('readStateDict on torch-saved checkpoints', () => {
  it.each(Object.entries(checkpoints))('%s reads as torch loads it', async (file, which) => {
    const want = stateDicts[which]!;
    const sd = await readStateDict(fixture(file));
    expect([...sd.keys()]).toEqual(want.stripped);
    want.keys.forEach((k, i) => expectTensor(k, sd.get(want.stripped[i]!), want.tensors[k]!));
  });

  it('keeps the module. prefix when asked', async () => {
    const sd = await readStateDict(fixture('dtrb_zip.pth'), { stripModulePrefix: false });
    expect([...sd.keys()]).toEqual(stateDicts.dtrb!.keys);
    expect([...sd.keys()].every((k) => k.startsWith('module.'))).toBe(true);
  });

  it('finds DTRB names, with BatchNorm statistics and the LSTM directions', async () => {
    const sd = await readStateDict(fixture('dtrb_legacy.pth'));
    expect(sd.get('FeatureExtraction.ConvNet.1.num_batches_tracked')).toEqual({ dtype: 'int64', shape: [], data: new BigInt64Array([1234n]) });
    expect(sd.get('SequenceModeling.0.rnn.weight_ih_l0_reverse')!.shape).toEqual([12, 4]);
    expect(sd.get('Prediction.weight')!.shape).toEqual([5, 4]);
  });

  it('picks a nested entry by key, and names the keys when none holds a state_dict', async () => {
    const sd = await readStateDict(fixture('dtrb_proto4_nested.pth'), { key: 'state_dict' });
    expect(sd.size).toBe(19);
    await expect(readStateDict(fixture('dtrb_proto4_nested.pth'), { key: 'epoch' })).rejects.toThrow(/entry 'epoch' is a number/);
    await expect(readStateDict(fixture('dtrb_legacy_model_key.pth'), { key: 'nope' })).rejects.toBeInstanceOf(CheckpointFormatError);
  });

  it('materialises views: transposes, strides, offsets, stride-0 expands, shared storages', async () => {
    const sd = await readStateDict(fixture('views_zip.pth'));
    const base = Array.from({ length: 12 }, (_, i) => Math.fround(i / 7));
    expect(Array.from(sd.get('offset')!.data as Float32Array)).toEqual(base.slice(5, 9));
    expect(Array.from(sd.get('transposed')!.data as Float32Array)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((i) => base[i]));
    expect(Array.from(sd.get('expanded')!.data as Float32Array)).toEqual([1, 2, 1, 2, 1, 2]);
    const a = Array.from(sd.get('shared_a')!.data as Float32Array);
    expect(Array.from(sd.get('shared_b')!.data as Float32Array)).toEqual(a.slice(3));
    expect(sd.get('empty')).toEqual({ dtype: 'float32', shape: [0, 3], data: new Float32Array(0) });
    expect(sd.get('scalar')).toEqual({ dtype: 'float32', shape: [], data: new Float32Array([3.5]) });
  });

  it('reads through a ByteSource in pieces, never asking past the end', async () => {
    for (const file of ['dtrb_zip.pth', 'dtrb_legacy.pth']) {
      const bytes = fixture(file);
      const inner = memoryByteSource(bytes);
      let reads = 0;
      const src: ByteSource = {
        size: bytes.length,
        read: (offset, length) => {
          reads++;
          expect(offset + length).toBeLessThanOrEqual(bytes.length);
          return inner.read(offset, length);
        },
      };
      expect((await readStateDict(src)).size).toBe(19);
      expect(reads).toBeGreaterThan(2);
    }
  });

  it('detects a corrupted storage through the zip CRC, and reads it when CRC checks are off', async () => {
    const bytes = fixture('dtrb_zip.pth').slice();
    const key = 'module.Prediction.weight';
    const first = new Uint8Array(new Float32Array([stateDicts.dtrb!.tensors[key]!.data[0] as number]).buffer);
    let at = -1;
    for (let i = 0; i + 4 <= bytes.length && at < 0; i++) if (bytes.subarray(i, i + 4).every((b, j) => b === first[j])) at = i;
    expect(at).toBeGreaterThan(0);
    bytes[at + 3]! ^= 0x01;
    await expect(readStateDict(bytes)).rejects.toThrow(/CRC-32 mismatch/);
    const sd = await readStateDict(bytes, { verifyCrc: false });
    expect(sd.get('Prediction.weight')!.data[0]).not.toBe(stateDicts.dtrb!.tensors[key]!.data[0]);
  });

  it('bounds materialised elements (stride-0 expansions cannot blow up memory)', async () => {
    await expect(readStateDict(fixture('views_zip.pth'), { maxElements: 10 })).rejects.toThrow(/element limit 10/);
  });

  it('names unsupported and foreign files', async () => {
    await expect(readStateDict(new Uint8Array(0))).rejects.toBeInstanceOf(CheckpointFormatError);
    await expect(readStateDict(new TextEncoder().encode('hello world, not a checkpoint'))).rejects.toThrow(/not a PyTorch checkpoint/);
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    await expect(readStateDict(tar)).rejects.toBeInstanceOf(UnsupportedCheckpointError);
  });

  it('reads a Blob (File in the browser, fs.openAsBlob in Node)', async () => {
    const sd = await readStateDict(blobByteSource(new Blob([fixture('views_legacy.pth').slice()])));
    expect(sd.get('scalar')!.data).toEqual(new Float32Array([3.5]));
  });

  it('names a deflated entry where the platform cannot inflate', async () => {
    vi.stubGlobal('DecompressionStream', undefined);
    try {
      await expect(readStateDict(fixture('deflate.pth'))).rejects.toThrow(UnsupportedCheckpointError);
    } finally {
      vi.unstubAllGlobals();
    }
    expect((await readStateDict(fixture('deflate.pth'))).size).toBe(19);
  });

  it('tells a TorchScript archive from a checkpoint', async () => {
    await expect(readStateDict(fixture('torchscript.pt'))).rejects.toThrow(/TorchScript archive/);
  });

  it('judges each dict once when many entries share it (no quadratic search)', () => {
    const t = new TensorRef(new StorageRef('0', 'FloatStorage', STORAGE_TYPES.get('FloatStorage')!, 1), 0, [], [], false);
    const big = new PyDict(true);
    for (let i = 0; i < 50_000; i++) big.set(`w${i}`, t);
    big.set('not a tensor', 'x');
    const root = new PyDict(false);
    for (let i = 0; i < 50_000; i++) root.set(`k${i}`, big);
    const t0 = performance.now();
    expect(() => findStateDict(root)).toThrow(/no state_dict/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses a deflated entry that declares more than the file could hold (zip bomb)', async () => {
    const bytes = fixture('deflate.pth').slice();
    const dv = new DataView(bytes.buffer);
    let patched = 0;
    for (let i = 0; i + 46 <= bytes.length; i++) {
      if (dv.getUint32(i, true) === 0x02014b50 && dv.getUint16(i + 10, true) === 8) {
        dv.setUint32(i + 24, 0xfffffff0, true); // uncompressed size
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    await expect(readStateDict(bytes)).rejects.toThrow(/over the \d+-byte cap/);
  });

  describe('hand-built legacy files', () => {
    // Pickle pieces (protocol 2).
    const enc = (t: string): number[] => Array.from(new TextEncoder().encode(t));
    const str = (t: string): number[] => [0x58, ...new Uint8Array(new Uint32Array([enc(t).length]).buffer), ...enc(t)];
    const g = (m: string, n: string): number[] => enc(`c${m}\n${n}\n`);
    const pickle = (...body: number[][]): number[] => [0x80, 0x02, ...body.flat(), 0x2e];
    const magic = pickle([0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
    const proto = pickle([0x4d, 0xe9, 0x03]);
    const sysInfo = pickle([0x7d], str('little_endian'), [0x88, 0x73]);
    const tensor = (cls: string, view: number[]): number[] => [
      ...g('torch._utils', '_rebuild_tensor_v2'),
      0x28,
      ...[0x28, ...str('storage'), ...g('torch', cls), ...str('k'), ...str('cpu'), 0x4b, 4, ...view, 0x74, 0x51],
      ...[0x4b, 0, 0x4b, 2, 0x85, 0x4b, 1, 0x85, 0x89, ...g('collections', 'OrderedDict'), 0x29, 0x52, 0x74, 0x52],
    ];
    const file = (a: string, b: string, view: number[]): Uint8Array => {
      const obj = pickle([0x7d], str('a'), tensor(a, [0x4e]), [0x73], str('b'), tensor(b, view), [0x73]);
      const keys = pickle([0x5d], str('k'), [0x61]);
      const count = [4, 0, 0, 0, 0, 0, 0, 0];
      const data = [...new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer)];
      return new Uint8Array([...magic, ...proto, ...sysInfo, ...obj, ...keys, ...count, ...data]);
    };

    it('reads a storage view (view_key, offset, size)', async () => {
      const sd = await readStateDict(file('FloatStorage', 'FloatStorage', [0x28, ...str('v'), 0x4b, 2, 0x4b, 2, 0x74]));
      expect(sd.get('a')!.data).toEqual(new Float32Array([1, 2]));
      expect(sd.get('b')!.data).toEqual(new Float32Array([3, 4]));
    });

    it('refuses one storage named with two dtypes', async () => {
      // Without a view the second name was ignored; with one, the view took the other dtype and the copy threw
      // a TypeError (bigint array fed numbers). Both are now a named error.
      await expect(readStateDict(file('FloatStorage', 'LongStorage', [0x4e]))).rejects.toThrow(/named both torch.FloatStorage and torch.LongStorage/);
      const view = [0x28, ...str('v'), 0x4b, 0, 0x4b, 2, 0x74];
      await expect(readStateDict(file('FloatStorage', 'LongStorage', view))).rejects.toThrow(CheckpointFormatError);
    });

    it('refuses a view past its storage', async () => {
      await expect(readStateDict(file('FloatStorage', 'FloatStorage', [0x28, ...str('v'), 0x4b, 3, 0x4b, 2, 0x74]))).rejects.toThrow(/bad storage view/);
    });
  });
});
