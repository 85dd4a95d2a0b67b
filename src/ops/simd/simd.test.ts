import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { SIMD_WASM_BASE64 } from './simd_wasm.ts';
import { setSimdEnabled, sharedMemoryVariant, simdFor } from './simd.ts';

describe('the SIMD module', () => {
  beforeAll(async () => {
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it('is the committed wasm/simd.wasm, without data segments or stack use (it runs on a heap it does not own)', () => {
    const file = readFileSync(new URL('../../../wasm/simd.wasm', import.meta.url));
    expect(Buffer.from(SIMD_WASM_BASE64, 'base64').equals(file)).toBe(true);
    const m = new WebAssembly.Module(file);
    expect(WebAssembly.Module.imports(m)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    // Section ids: no data (11) or data-count (12) section.
    const ids: number[] = [];
    for (let i = 8; i < file.length; ) {
      ids.push(file[i++]!);
      let len = 0;
      for (let shift = 0, b = 0x80; b & 0x80; shift += 7) {
        b = file[i++]!;
        len |= (b & 0x7f) << shift;
      }
      i += len;
    }
    expect(ids.filter((id) => id === 11 || id === 12)).toEqual([]);
  });

  it("has a shared-memory twin (tfjs's threaded heap) that computes the same as the plain module", () => {
    const plain = Buffer.from(SIMD_WASM_BASE64, 'base64');
    const twin = sharedMemoryVariant(plain);
    expect(twin).not.toBeNull();
    const run = (code: Uint8Array, memory: WebAssembly.Memory): number[] => {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(code as Uint8Array<ArrayBuffer>), { env: { memory } });
      const f32 = new Float32Array(memory.buffer);
      for (let i = 0; i < 37; i++) f32[256 + i] = (i - 18) / 3;
      (inst.exports.hardswish as (n: number, x: number, y: number) => void)(37, 1024, 2048);
      return Array.from(f32.subarray(512, 512 + 37));
    };
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    const want = run(plain, new WebAssembly.Memory({ initial: 1 }));
    expect(run(twin!, shared)).toEqual(want);
    // A routine ran: hard-swish(x) = x · min(max(x + 3, 0), 6) / 6.
    want.forEach((y, i) => expect(y).toBeCloseTo(((i - 18) / 3) * Math.min(Math.max((i - 18) / 3 + 3, 0), 6) / 6, 5));
    expect(want[36]).toBe(6);
    // The plain module refuses a shared memory, the twin a plain one: the import really changed.
    expect(() => run(plain, new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true }))).toThrow();
    expect(() => run(twin!, new WebAssembly.Memory({ initial: 1 }))).toThrow();
    // A module laid out otherwise gets no twin (the TypeScript loops run instead).
    const other = Uint8Array.from(plain);
    other[other.indexOf(0x6d, 8)] = 0x4d; // 'memory' → 'Memory' in the import section
    expect(sharedMemoryVariant(other)).toBeNull();
  });

  it('is null on cpu and when switched off', () => {
    expect(simdFor(tf.backend(), 'cpu')).toBeNull();
    setSimdEnabled(false);
    expect(simdFor(tf.backend(), 'wasm')).toBeNull();
    setSimdEnabled(true);
    expect(simdFor(tf.backend(), 'wasm')).not.toBeNull();
  });

  it.each([
    [1, 192, 48],
    [4, 8, 3],
    [7, 13, 5],
    [9, 40, 17],
  ])('nn, nt and tn equal the definition and write nothing outside C (M=%i, N=%i, K=%i)', (M, N, K) => {
    const simd = simdFor(tf.backend(), 'wasm')!;
    const rand = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.5);
    const a = rand(M * K, 1);
    const b = rand(K * N, 2);
    const c0 = rand(M * N, 3);
    const want = {
      nn: (m: number, n: number): number => Array.from({ length: K }, (_, k) => a[m * K + k]! * b[k * N + n]!).reduce((x, y) => x + y, 0),
      nt: (m: number, n: number): number => Array.from({ length: K }, (_, k) => a[m * K + k]! * b[n * K + k]!).reduce((x, y) => x + y, 0),
      tn: (m: number, n: number): number => Array.from({ length: K }, (_, k) => a[k * M + m]! * b[k * N + n]!).reduce((x, y) => x + y, 0),
    };
    for (const kind of ['nn', 'nt', 'tn'] as const) {
      const guard = 8;
      const total = M * K + K * N + M * N + 2 * guard;
      const base = simd.malloc(total);
      try {
        const heap = simd.f32();
        const o = base >>> 2;
        const [pa, pb, pc] = [o, o + M * K, o + M * K + K * N + guard];
        heap.set(a, pa);
        heap.set(b, pb);
        heap.fill(7, pc - guard, pc + M * N + guard);
        heap.set(c0, pc);
        const [lda, ldb] = kind === 'nn' ? [K, N] : kind === 'nt' ? [K, K] : [M, N];
        simd[kind](M, N, K, 4 * pa, lda, 4 * pb, ldb, 4 * pc, N);
        const h = simd.f32();
        for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) expect(Math.abs(h[pc + m * N + n]! - (c0[m * N + n]! + want[kind](m, n)))).toBeLessThan(1e-5);
        for (let g = 1; g <= guard; g++) {
          expect(h[pc - g]).toBe(7);
          expect(h[pc + M * N + g - 1]).toBe(7);
        }
      } finally {
        simd.free(base);
      }
    }
  });

  it.each([
    [1, 1],
    [4, 4],
    [37, 19],
    [64, 33],
    [130, 96],
  ])('transpose of [%i, %i] is exact and writes nothing outside the output', (R, C) => {
    const simd = simdFor(tf.backend(), 'wasm')!;
    const guard = 8;
    const base = simd.malloc(2 * R * C + 2 * guard);
    try {
      const o = base >>> 2;
      const [ps, pd] = [o, o + R * C + guard];
      const heap = simd.f32();
      for (let i = 0; i < R * C; i++) heap[ps + i] = i * 0.5 - 3;
      heap.fill(7, pd - guard, pd + R * C + guard);
      simd.transpose(R, C, 4 * ps, 4 * pd);
      const h = simd.f32();
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) expect(h[pd + c * R + r]).toBe(h[ps + r * C + c]);
      for (let g = 1; g <= guard; g++) {
        expect(h[pd - g]).toBe(7);
        expect(h[pd + R * C + g - 1]).toBe(7);
      }
    } finally {
      simd.free(base);
    }
  });
});
