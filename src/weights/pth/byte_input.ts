import { CheckpointFormatError } from '../../runtime/errors.ts';
import { memoryByteSource, type ByteSource } from '../../runtime/byte_source.ts';

/**
 * What the checkpoint reader accepts: plain bytes, or random access to a file's bytes without holding the
 * whole file (a `File`/`Blob` in the browser, a file handle in Node; see src/runtime/byte_source.ts).
 */
export type ByteInput = Uint8Array | ByteSource;

export function toSource(input: ByteInput): ByteSource {
  return input instanceof Uint8Array ? memoryByteSource(input) : input;
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
