import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Bytes, toHex } from './sha256.ts';
import { sha256Hex } from './format.ts';

describe('SHA-256 without crypto.subtle', () => {
  it('matches node:crypto on the padding edge cases and random data', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 70_001]) {
      const data = Uint8Array.from({ length: n }, rnd);
      expect(toHex(sha256Bytes(data)), `length ${n}`).toBe(createHash('sha256').update(data).digest('hex'));
    }
    expect(toHex(sha256Bytes(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('of a view into a larger buffer hashes only the view', () => {
    const big = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = big.subarray(17, 217);
    expect(toHex(sha256Bytes(view))).toBe(createHash('sha256').update(view).digest('hex'));
  });
  it('sha256Hex falls back to it when crypto.subtle is missing (a page over plain http)', async () => {
    const data = new TextEncoder().encode('webstr');
    const want = createHash('sha256').update(data).digest('hex');
    expect(await sha256Hex(data)).toBe(want);
    const subtle = Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle');
    Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
    try {
      expect(await sha256Hex(data)).toBe(want);
    } finally {
      if (subtle !== undefined) Object.defineProperty(globalThis.crypto, 'subtle', subtle);
      else delete (globalThis.crypto as { subtle?: unknown }).subtle;
    }
  });
});
