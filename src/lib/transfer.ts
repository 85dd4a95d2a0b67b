/**
 * What `recognize(…, { transfer: true })` hands to a worker instead of copying: each whole ArrayBuffer among
 * the images (an ArrayBuffer, or a Uint8Array that spans its whole buffer), each ImageBitmap and each
 * ImageData's pixel buffer, once each. A Uint8Array over part of a buffer is copied as before (moving its
 * buffer would take bytes the caller did not pass); so is anything backed by a SharedArrayBuffer.
 */
export function transferables(items: readonly unknown[]): Transferable[] {
  const out = new Set<Transferable>();
  const whole = (b: ArrayBufferLike, offset: number, length: number): void => {
    if (b instanceof ArrayBuffer && offset === 0 && length === b.byteLength) out.add(b);
  };
  for (const it of items) {
    if (it instanceof ArrayBuffer) out.add(it);
    else if (it instanceof Uint8Array) whole(it.buffer, it.byteOffset, it.byteLength);
    else if (typeof ImageBitmap !== 'undefined' && it instanceof ImageBitmap) out.add(it);
    else if (typeof ImageData !== 'undefined' && it instanceof ImageData) whole(it.data.buffer, it.data.byteOffset, it.data.byteLength);
  }
  return [...out];
}
