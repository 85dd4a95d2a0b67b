import { describe, expect, it } from 'vitest';
import { crc32 } from './zip.ts';

function crc32Bitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('matches the check value and a bitwise reference on every length 0..40', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const data = Uint8Array.from({ length: 40 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let n = 0; n <= 40; n++) expect(crc32(data.subarray(0, n))).toBe(crc32Bitwise(data.subarray(0, n)));
  });
});
