import { describe, expect, it } from 'vitest';
import { transferables } from './transfer.ts';

describe('transferables', () => {
  it('moves whole buffers once each, and copies views over part of a buffer and shared memory', () => {
    const a = new ArrayBuffer(8);
    const whole = new Uint8Array(16);
    const big = new ArrayBuffer(32);
    const part = new Uint8Array(big, 4, 8);
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    const got = transferables([a, whole, part, shared, a, new Uint8Array(a), 'url', new Blob([]), null]);
    expect(got).toEqual([a, whole.buffer]);
    expect(transferables([])).toEqual([]);
  });

  it('what it lists can be transferred in one message (no duplicates, no shared memory)', () => {
    const a = new ArrayBuffer(8);
    const u = new Uint8Array(16);
    const { port1, port2 } = new MessageChannel();
    const items = [a, u, a, new Uint8Array(a)];
    port1.postMessage(items, transferables(items));
    expect(a.byteLength).toBe(0);
    expect(u.byteLength).toBe(0);
    port1.close();
    port2.close();
  });
});
