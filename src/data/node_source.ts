/** Node-only byte source over a file handle. Never imported by browser code. */
import { open } from 'node:fs/promises';
import { type ByteSource, checkRange } from '../runtime/byte_source.ts';
import { ByteSourceRangeError } from '../runtime/errors.ts';

export async function openFileByteSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    size,
    async read(offset, length) {
      checkRange(size, offset, length);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new ByteSourceRangeError(`short read: ${done} of ${length} bytes at ${offset} in ${path} (file changed?)`);
        done += bytesRead;
      }
      return out;
    },
    close: () => fh.close(),
  };
}
