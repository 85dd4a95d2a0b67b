/**
 * Random-access bytes: what the LMDB, shard and .pth checkpoint readers read through, so a multi-GB
 * file is never loaded whole. Browser: `blobByteSource(file)` (File/Blob `slice()`); Node:
 * `openFileByteSource` in src/data/node_source.ts; tests and fuzzing: `memoryByteSource`.
 */
import { ByteSourceRangeError } from './errors.ts';

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset`; throws ByteSourceRangeError outside [0, size]. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new ByteSourceRangeError(`read of ${length} bytes at ${offset} is outside the source (size ${size})`);
  }
}

export function blobByteSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    async read(offset, length) {
      checkRange(blob.size, offset, length);
      const buf = await blob.slice(offset, offset + length).arrayBuffer();
      if (buf.byteLength !== length) throw new ByteSourceRangeError(`short read: ${buf.byteLength} of ${length} bytes at ${offset} (file changed?)`);
      return new Uint8Array(buf);
    },
  };
}

/** Bytes already in memory. Reads return views (no copy): callers must not write into them. */
export function memoryByteSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read(offset, length) {
      try {
        checkRange(bytes.byteLength, offset, length);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/**
 * A block cache in front of a slow source (a File, a file handle): reads are served from aligned blocks
 * of `blockSize` bytes kept in an LRU of `maxBlocks`, so walking 4 KiB pages costs one `slice()` per
 * block; a read larger than a block bypasses the cache. Concurrent reads of one block share one fetch.
 * `readahead` blocks after a missed one are fetched at once, for scans that move forward through a file.
 */
export function cachedByteSource(src: ByteSource, opts: { blockSize?: number; maxBlocks?: number; readahead?: number } = {}): ByteSource {
  const blockSize = opts.blockSize ?? 256 * 1024;
  const maxBlocks = opts.maxBlocks ?? 64;
  const readahead = Math.min(opts.readahead ?? 0, Math.floor(maxBlocks / 2));
  const lastBlock = Math.max(0, Math.ceil(src.size / blockSize) - 1);
  const blocks = new Map<number, Promise<Uint8Array>>();
  const block = (b: number, ahead = true): Promise<Uint8Array> => {
    let p = blocks.get(b);
    if (p !== undefined) {
      blocks.delete(b);
      blocks.set(b, p);
      return p;
    }
    // A miss: fetch this block and, for sequential scans, start the next ones (IO overlaps the parsing).
    if (ahead) for (let k = 1; k <= readahead && b + k <= lastBlock; k++) if (!blocks.has(b + k)) void block(b + k, false).catch(() => undefined);
    const start = b * blockSize;
    p = src.read(start, Math.min(blockSize, src.size - start));
    blocks.set(b, p);
    p.catch(() => blocks.delete(b));
    if (blocks.size > maxBlocks) {
      const oldest = blocks.keys().next().value;
      if (oldest !== undefined) blocks.delete(oldest);
    }
    return p;
  };
  return {
    size: src.size,
    async read(offset, length) {
      checkRange(src.size, offset, length);
      if (length > blockSize) return src.read(offset, length);
      const b0 = Math.floor(offset / blockSize);
      const b1 = Math.floor((offset + Math.max(length, 1) - 1) / blockSize);
      if (b0 === b1) {
        const data = await block(b0);
        const at = offset - b0 * blockSize;
        return data.subarray(at, at + length);
      }
      const [d0, d1] = await Promise.all([block(b0), block(b1)]);
      const out = new Uint8Array(length);
      const at = offset - b0 * blockSize;
      const first = d0.subarray(at);
      out.set(first, 0);
      out.set(d1.subarray(0, length - first.byteLength), first.byteLength);
      return out;
    },
  };
}
