import { CheckpointFormatError } from '../../runtime/errors.ts';

/**
 * Random access to a file's bytes without holding the whole file: a `File`/`Blob` in the browser, a file
 * handle in Node, or plain bytes. `read` returns exactly `length` bytes or rejects.
 */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export type ByteInput = Uint8Array | ByteSource;

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
  };
}

/** A `Blob` or `File` (browser), or Node's `fs.openAsBlob(path)`. */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

export function toSource(input: ByteInput): ByteSource {
  return input instanceof Uint8Array ? bytesSource(input) : input;
}

/** Reads `[offset, offset + length)`, failing with a named error when it lies past the end. */
export async function readExact(src: ByteSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > src.size) {
    throw new CheckpointFormatError(`truncated checkpoint: ${what} needs bytes [${offset}, ${offset + length}) but the file has ${src.size}`);
  }
  const out = await src.read(offset, length);
  if (out.length !== length) {
    throw new CheckpointFormatError(`short read of ${what}: wanted ${length} bytes at ${offset}, got ${out.length}`);
  }
  return out;
}
