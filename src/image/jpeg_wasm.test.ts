/**
 * The wasm JPEG decoder against libjpeg-turbo's default decoding: Skia's (decodeNodeSkia) on the first 300 images
 * of each shared test set, djpeg's (digests committed by scripts/fixtures/jpeg_fixtures.sh) and Skia's on
 * small fixtures of the samplings and modes those sets lack; then hostile input (each answer must be null,
 * an image of the header's size, or ImageDecodeError) and the module's memory over many decodes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDtrbDataset } from '../data/dtrb.ts';
import { openFileByteSource } from '../data/node_source.ts';
import { hasSharedData, lmdbDir } from '../data/testing.ts';
import { decodeNodeSkia } from './decode_node.ts';
import { ImageDecodeError } from './errors.ts';
import { readImageHeader } from './header.ts';
import { decodeJpegWasm, exifOrientation, jpegWasmMemoryBytes, setJpegWasmEnabled } from './jpeg_wasm.ts';
import type { RgbaImage } from './types.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(FIXTURES, `${name}.jpg`)));
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'jpeg_expected.json'), 'utf8')) as Record<
  string,
  { refused: true } | { width: number; height: number; rgba_sha256: string }
>;
const sha256 = (b: Uint8Array | Uint8ClampedArray): string => createHash('sha256').update(b).digest('hex');
const MAX_PIXELS = 4_000_000;
const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

function sameRgba(a: RgbaImage, b: RgbaImage): boolean {
  return a.width === b.width && a.height === b.height && Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length));
}

/** Seeded, so that a failing mutation can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** Offset of the first marker `code` (its 0xFF), walking segments from SOI; -1 when absent. */
function markerAt(b: Uint8Array, code: number): number {
  let o = 2;
  while (o + 4 <= b.length && b[o] === 0xff) {
    if (b[o + 1] === code) return o;
    if (b[o + 1] === 0xda) return -1;
    o += 2 + ((b[o + 2]! << 8) | b[o + 3]!);
  }
  return -1;
}

type Outcome = 'null' | 'image' | 'error';

/** Decodes hostile bytes; anything but null, an image of the header's size, or ImageDecodeError fails. */
function outcome(b: Uint8Array): Outcome {
  let img: RgbaImage | null;
  try {
    img = decodeJpegWasm(b, MAX_PIXELS);
  } catch (err) {
    if (err instanceof ImageDecodeError) return 'error';
    throw err;
  }
  if (img === null) return 'null';
  const h = readImageHeader(b, { maxSide: 65535, maxPixels: 2 ** 32 });
  expect([img.width, img.height]).toEqual([h.width, h.height]);
  expect(img.data.length).toBe(img.width * img.height * 4);
  return 'image';
}

describe('decodeJpegWasm on fixtures (libjpeg-turbo via djpeg and Skia)', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: ${'refused' in want ? 'refused (null)' : 'byte-identical'}`, async () => {
      const bytes = fixture(name);
      const got = decodeJpegWasm(bytes, MAX_PIXELS);
      if ('refused' in want) {
        expect(got).toBeNull();
        return;
      }
      expect(got).not.toBeNull();
      expect([got!.width, got!.height]).toEqual([want.width, want.height]);
      expect(sha256(got!.data)).toBe(want.rgba_sha256);
      expect(sameRgba(got!, await decodeNodeSkia(bytes))).toBe(true);
    });
  }

  it('answers null when switched off, and for images over the pixel limit', () => {
    const bytes = fixture('s444');
    setJpegWasmEnabled(false);
    try {
      expect(decodeJpegWasm(bytes, MAX_PIXELS)).toBeNull();
    } finally {
      setJpegWasmEnabled(true);
    }
    expect(decodeJpegWasm(bytes, 13 * 11 - 1)).toBeNull();
    expect(decodeJpegWasm(bytes, 13 * 11)).not.toBeNull();
  });
});

describe.skipIf(!hasSharedData())('decodeJpegWasm on real crops: byte-identical to decodeNodeSkia', () => {
  const totals = { jpegs: 0, accepted: 0 };
  for (const name of ['iiit5k_3000', 'svt_647', 'ic15_2077']) {
    it(`${name}: the first 300 images`, async () => {
      const src = await openFileByteSource(path.join(lmdbDir(name), 'data.mdb'));
      let jpegs = 0;
      let accepted = 0;
      const differ: number[] = [];
      try {
        const ds = await openDtrbDataset(src);
        for await (const s of ds.samples({ limit: 300 })) {
          const got = decodeJpegWasm(s.image, MAX_PIXELS);
          if (!isJpeg(s.image)) {
            expect(got, `sample ${s.index} is no JPEG`).toBeNull();
            continue;
          }
          jpegs++;
          if (got === null) continue;
          accepted++;
          if (!sameRgba(got, await decodeNodeSkia(s.image))) differ.push(s.index);
        }
      } finally {
        await src.close();
      }
      expect(differ).toEqual([]);
      expect(accepted).toBeGreaterThanOrEqual(Math.ceil(0.95 * jpegs));
      totals.jpegs += jpegs;
      totals.accepted += accepted;
    });
  }

  it('covers the JPEG crops (IIIT5K and SVT are JPEG, IC15 PNG)', () => {
    expect(totals.jpegs).toBeGreaterThanOrEqual(600);
    expect(totals.accepted).toBeGreaterThanOrEqual(Math.ceil(0.95 * totals.jpegs));
  });
});

describe('decodeJpegWasm on hostile input', () => {
  const good = fixture('restart');
  const goodRgba = (): RgbaImage => decodeJpegWasm(good, MAX_PIXELS)!;
  const reference = goodRgba();

  it('empty, 1 byte, not a JPEG: null', async () => {
    expect(decodeJpegWasm(new Uint8Array(0), MAX_PIXELS)).toBeNull();
    expect(decodeJpegWasm(new Uint8Array([0xff]), MAX_PIXELS)).toBeNull();
    const { createCanvas } = await import('@napi-rs/canvas');
    const png = new Uint8Array(createCanvas(8, 8).encodeSync('png'));
    expect(outcome(png)).toBe('null');
    expect(outcome(new TextEncoder().encode('GIF89a not a jpeg at all'))).toBe('null');
  });

  it('truncated at every offset: an error until only the end-of-image marker is missing', () => {
    for (let cut = 0; cut < good.length; cut++) {
      const got = outcome(good.subarray(0, cut));
      if (cut < 2) expect(got).toBe('null');
      else if (cut < good.length - 2) expect(got, `cut at ${cut}`).toBe('error');
      else expect(sameRgba(decodeJpegWasm(good.subarray(0, cut), MAX_PIXELS)!, reference)).toBe(true);
    }
    expect(sameRgba(goodRgba(), reference)).toBe(true);
  });

  it('seeded byte mutations in headers and entropy-coded data', () => {
    const seeds = ['restart', 'scans', 's444', 'gray', 'mixed'].map(fixture);
    const rnd = lcg(20261203);
    const seen = new Map<Outcome, number>();
    for (let i = 0; i < 600; i++) {
      const b = seeds[i % seeds.length]!.slice();
      const sos = markerAt(b, 0xda);
      const k = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < k; j++) {
        // Even mutations hit the headers (before the first scan), odd ones anywhere.
        const span = i % 2 === 0 && sos > 0 ? sos + 14 : b.length;
        const at = 2 + Math.floor(rnd() * (span - 2));
        b[at] = rnd() < 0.5 ? Math.floor(rnd() * 256) : b[at]! ^ (1 << Math.floor(rnd() * 8));
      }
      const got = outcome(b);
      seen.set(got, (seen.get(got) ?? 0) + 1);
    }
    // Both kinds of answer come up (the mutations are not all harmless, nor all fatal).
    expect(seen.get('error') ?? 0).toBeGreaterThan(50);
    expect(seen.get('image') ?? 0).toBeGreaterThan(50);
    expect(sameRgba(goodRgba(), reference)).toBe(true);
  });

  it('sizes: 65535×65535 and zero width or height', () => {
    const sof = markerAt(good, 0xc0);
    const withSize = (w: number, h: number): Uint8Array => {
      const b = good.slice();
      b[sof + 5] = h >> 8;
      b[sof + 6] = h & 255;
      b[sof + 7] = w >> 8;
      b[sof + 8] = w & 255;
      return b;
    };
    expect(decodeJpegWasm(withSize(65535, 65535), MAX_PIXELS)).toBeNull(); // over the caller's limit
    expect(decodeJpegWasm(withSize(65535, 65535), 2 ** 32 - 1)).toBeNull(); // more memory than the module may take
    expect(outcome(withSize(0, 17))).not.toBe('image');
    expect(outcome(withSize(23, 0))).not.toBe('image');
    expect(outcome(withSize(4000, 1000))).toBe('error'); // within the limit, but the data runs out
    expect(sameRgba(goodRgba(), reference)).toBe(true);
  });

  it('bad tables, ids and markers', () => {
    const b = (): Uint8Array => good.slice();
    const dht = markerAt(good, 0xc4);
    const dqt = markerAt(good, 0xdb);
    const sof = markerAt(good, 0xc0);
    const sos = markerAt(good, 0xda);
    // A Huffman table declaring more than 256 codes.
    const many = b();
    many.fill(0xff, dht + 5, dht + 5 + 16);
    expect(outcome(many)).toBe('error');
    // Huffman code lengths that overflow (three codes of length 1).
    const overflow = b();
    overflow.fill(0, dht + 5, dht + 5 + 16);
    overflow[dht + 5] = 3;
    expect(outcome(overflow)).toBe('error');
    // Huffman and quantisation table ids out of range.
    const dhtId = b();
    dhtId[dht + 4] = 0x07;
    expect(outcome(dhtId)).toBe('error');
    const dqtId = b();
    dqtId[dqt + 4] = 0x09;
    expect(outcome(dqtId)).toBe('error');
    const sofQ = b();
    sofQ[sof + 12] = 7;
    expect(outcome(sofQ)).toBe('error');
    // A scan naming a component the frame lacks, and a frame repeating a component id.
    const scanId = b();
    scanId[sos + 5] = 0x77;
    expect(outcome(scanId)).toBe('error');
    const dupId = b();
    dupId[sof + 13] = dupId[sof + 10]!;
    expect(outcome(dupId)).toBe('error');
    // Sampling factors of 0 and a progressive frame type.
    const zeroSampling = b();
    zeroSampling[sof + 11] = 0x00;
    expect(outcome(zeroSampling)).toBe('error');
    const sof2 = b();
    sof2[sof + 1] = 0xc2;
    expect(outcome(sof2)).toBe('null');
    // Entropy-coded data of nothing but 0xFF fill bytes, and a run of them mid-scan: no endless loop.
    const start = sos + 2 + ((good[sos + 2]! << 8) | good[sos + 3]!);
    const fill = b();
    fill.fill(0xff, start);
    expect(outcome(fill)).toBe('error');
    const midFill = new Uint8Array(good.length + 5000);
    midFill.set(good.subarray(0, start + 20));
    midFill.fill(0xff, start + 20, start + 5020);
    midFill.set(good.subarray(start + 20), start + 5020);
    expect(outcome(midFill)).toBe('error');
    // A segment length running past the end of the data, and one under 2.
    const longSeg = b();
    longSeg[dqt + 2] = 0xff;
    expect(outcome(longSeg)).toBe('error');
    const shortSeg = b();
    shortSeg[dqt + 2] = 0;
    shortSeg[dqt + 3] = 1;
    expect(outcome(shortSeg)).toBe('error');
    expect(sameRgba(goodRgba(), reference)).toBe(true);
  });

  it('progressive and arithmetic-coded JPEGs: null, never an error', () => {
    expect(decodeJpegWasm(fixture('progressive'), MAX_PIXELS)).toBeNull();
    expect(decodeJpegWasm(fixture('arithmetic'), MAX_PIXELS)).toBeNull();
  });
});

/** `jpeg` with an APP1 Exif segment (IFD0 holding one Orientation entry) inserted after its SOI. */
function withExif(jpeg: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = littleEndian
    ? [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0]
    : [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const len = payload.length + 2;
  return Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, len >> 8, len & 0xff, ...payload, ...jpeg.subarray(2)]);
}

describe('decodeJpegWasm and EXIF orientation', () => {
  it('decodes orientation 1 (and no EXIF) itself and leaves any rotation to the browser (null)', () => {
    const plain = fixture('s444');
    const want = decodeJpegWasm(plain, MAX_PIXELS)!;
    expect(exifOrientation(plain)).toBe(1);
    for (const le of [true, false]) {
      expect(exifOrientation(withExif(plain, 1, le))).toBe(1);
      expect(sameRgba(decodeJpegWasm(withExif(plain, 1, le), MAX_PIXELS)!, want)).toBe(true);
      for (const o of [2, 3, 6, 8]) {
        expect(exifOrientation(withExif(plain, o, le)), `orientation ${o}, little-endian ${le}`).toBe(o);
        expect(decodeJpegWasm(withExif(plain, o, le), MAX_PIXELS)).toBeNull();
      }
    }
    // A malformed EXIF block (bad byte order mark): unknown, so not ours.
    const bad = withExif(plain, 1, true);
    bad[12] = 0x00;
    expect(exifOrientation(bad)).toBe(0);
    expect(decodeJpegWasm(bad, MAX_PIXELS)).toBeNull();
  });
});

describe('decodeJpegWasm memory', () => {
  it('stays flat over 2,000 decodes of the same image', () => {
    const bytes = fixture('restart');
    const first = decodeJpegWasm(bytes, MAX_PIXELS)!;
    for (let i = 0; i < 10; i++) decodeJpegWasm(bytes, MAX_PIXELS);
    const settled = jpegWasmMemoryBytes();
    expect(settled).toBeGreaterThan(0);
    for (let i = 0; i < 2000; i++) decodeJpegWasm(bytes, MAX_PIXELS);
    expect(jpegWasmMemoryBytes()).toBe(settled);
    expect(sameRgba(decodeJpegWasm(bytes, MAX_PIXELS)!, first)).toBe(true);
  });
});
