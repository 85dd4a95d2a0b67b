/**
 * JPEG bytes → model input in one pass (jpeg_input.ts) against the two-step path it replaces,
 * preprocessPixels(decodeJpegWasm(bytes)): bit for bit, for every channel order and resize mode the presets
 * use, on the fixtures and on real crops; null (the caller decodes the usual way) for what it does not cover.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDtrbDataset } from '../data/dtrb.ts';
import { openFileByteSource } from '../data/node_source.ts';
import { hasSharedData, lmdbDir } from '../data/testing.ts';
import { getPreset } from '../models/presets.ts';
import { DEFAULT_LIMITS } from './errors.ts';
import { checkImageComplete, readImageHeader } from './header.ts';
import { jpegToInput, setJpegInputEnabled } from './jpeg_input.ts';
import { decodeJpegWasm, jpegWasmMemoryBytes } from './jpeg_wasm.ts';
import { preprocessPixels } from './preprocess.ts';
import type { PreprocessConfig } from './preprocess_config.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(FIXTURES, `${name}.jpg`)));

const base = getPreset('crnn-mv3-en').input;
const CONFIGS: [string, PreprocessConfig][] = [
  ['crnn-mv3-en (BGR, keep-ratio)', base],
  ['RGB', { ...base, channels: 'rgb' }],
  ['crnn-vgg (gray)', getPreset('crnn-vgg').input],
  ['ppocr-v4 (keep-ratio-pad-min)', getPreset('ppocr-v4').input],
  ['keep-ratio-pad', { ...base, resize: { mode: 'keep-ratio-pad', minWidth: 16, maxWidth: 200, padValue: -1 } }],
  ['stretch 100×32, odd mean/std', { ...base, channels: 'rgb', resize: { mode: 'stretch', width: 100 }, mean: 0.45, std: 0.27 }],
  ['narrowing (maxWidth 24)', { ...base, resize: { mode: 'keep-ratio', minWidth: 8, maxWidth: 24 } }],
];

/** The two-step path's output (the decoders' header checks, then the wasm decoder, then preprocessPixels), or
 *  null where the one-pass path must also answer null. */
function twoStep(bytes: Uint8Array, p: PreprocessConfig): { data: Float32Array; shape: number[] } | null {
  let px;
  try {
    const h = readImageHeader(bytes, DEFAULT_LIMITS);
    checkImageComplete(bytes, h);
    px = decodeJpegWasm(bytes, DEFAULT_LIMITS.maxDecodePixels ?? DEFAULT_LIMITS.maxPixels);
  } catch {
    return null;
  }
  return px === null ? null : preprocessPixels(px, p);
}

function expectSame(bytes: Uint8Array, p: PreprocessConfig, what: string): boolean {
  const want = twoStep(bytes, p);
  const got = jpegToInput(bytes, p);
  if (want === null) {
    expect(got, what).toBeNull();
    return false;
  }
  expect(got, what).not.toBeNull();
  expect(got!.shape, what).toEqual(want.shape);
  expect(got!.value.byteLength, `${what}: a copy of its own, not a view on the module`).toBe(got!.value.buffer.byteLength);
  // Bit for bit: the same float32 words.
  const a = new Uint32Array(got!.value.buffer, got!.value.byteOffset, got!.value.length);
  const b = new Uint32Array(want.data.buffer, want.data.byteOffset, want.data.length);
  let first = -1;
  for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = i;
  expect(first, `${what}: first differing value at ${first} (${got!.value[first]} vs ${want.data[first]})`).toBe(-1);
  return true;
}

describe('jpegToInput equals preprocessPixels(decodeJpegWasm(…)) bit for bit', () => {
  for (const [label, p] of CONFIGS) {
    it(`${label}: every fixture the decoder covers`, () => {
      let covered = 0;
      for (const name of ['gray', 'mixed', 'narrow', 'restart', 's411', 's422', 's440', 's444', 'scans', 'tiny', 'progressive', 'arithmetic']) {
        if (expectSame(fixture(name), p, name)) covered++;
      }
      expect(covered).toBeGreaterThanOrEqual(9); // progressive and arithmetic answer null
    });
  }
});

describe.skipIf(!hasSharedData())('jpegToInput on real crops', () => {
  for (const name of ['iiit5k_3000', 'svt_647']) {
    it(`${name}: the first 150 crops, BGR and gray`, async () => {
      const src = await openFileByteSource(path.join(lmdbDir(name), 'data.mdb'));
      let covered = 0;
      try {
        const ds = await openDtrbDataset(src);
        for await (const s of ds.samples({ limit: 150 })) {
          if (expectSame(s.image, CONFIGS[0]![1], `${name} #${s.index}`)) covered++;
          expectSame(s.image, CONFIGS[2]![1], `${name} #${s.index} gray`);
        }
      } finally {
        await src.close();
      }
      expect(covered).toBeGreaterThanOrEqual(140);
    });
  }
});

describe('jpegToInput: null for what it does not cover', () => {
  const good = fixture('restart');

  it('times its two stages and reports the decoded size', () => {
    const r = jpegToInput(good, base)!;
    const px = decodeJpegWasm(good, 1e6)!;
    expect([r.width, r.height]).toEqual([px.width, px.height]);
    expect(r.decodeMs).toBeGreaterThanOrEqual(0);
    expect(r.preprocessMs).toBeGreaterThanOrEqual(0);
  });

  it('hands `take` a view of the input and its shape, and returns what it made', () => {
    const want = jpegToInput(good, base)!;
    const got = jpegToInput(good, base, undefined, (view, shape) => ({ sum: view.reduce((a, v) => a + v, 0), n: view.length, shape }))!;
    expect(got.value.n).toBe(want.value.length);
    expect(got.value.shape).toEqual(want.shape);
    expect(got.value.sum).toBeCloseTo(want.value.reduce((a, v) => a + v, 0), 3);
  });

  it('non-JPEG, empty, truncated, corrupt and unsupported bytes', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(jpegToInput(png, base)).toBeNull();
    expect(jpegToInput(new Uint8Array(0), base)).toBeNull();
    expect(jpegToInput(good.subarray(0, 2), base)).toBeNull();
    expect(jpegToInput(good.subarray(0, Math.floor(good.length / 2)), base)).toBeNull();
    const corrupt = good.slice();
    for (let i = Math.floor(corrupt.length * 0.6); i < corrupt.length - 2; i++) corrupt[i] = 0xff; // scan data → markers
    expect(twoStep(corrupt, base)).toBeNull(); // the corruption is one the decoder names
    expect(jpegToInput(corrupt, base)).toBeNull();
    expect(jpegToInput(fixture('progressive'), base)).toBeNull();
  });

  it('images past the limits, and when switched off', () => {
    const px = decodeJpegWasm(good, 1e6)!;
    expect(jpegToInput(good, base, { maxSide: 16384, maxPixels: px.width * px.height - 1 })).toBeNull();
    expect(jpegToInput(good, base, { maxSide: 16384, maxPixels: 1e6, maxDecodePixels: px.width * px.height - 1 })).toBeNull();
    expect(jpegToInput(good, base, { maxSide: 16384, maxPixels: px.width * px.height })).not.toBeNull();
    setJpegInputEnabled(false);
    try {
      expect(jpegToInput(good, base)).toBeNull();
    } finally {
      setJpegInputEnabled(true);
    }
  });

  it('answers as the two-step path on 400 mutated JPEGs: null for both, or the same bits', () => {
    let s = 12345;
    const rand = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let decoded = 0;
    for (let k = 0; k < 400; k++) {
      const b = (k % 2 ? good : fixture('s422')).slice();
      const edits = 1 + Math.floor(rand() * 8);
      for (let e = 0; e < edits; e++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      if (expectSame(cut, k % 3 ? base : getPreset('crnn-vgg').input, `mutation ${k}`)) decoded++;
    }
    expect(decoded).toBeGreaterThan(0); // some mutations leave a decodable image
  });

  it("keeps the module's memory flat over many images", () => {
    const big = fixture('mixed');
    jpegToInput(big, getPreset('ppocr-v4').input);
    const before = jpegWasmMemoryBytes();
    for (let k = 0; k < 300; k++) jpegToInput(k % 2 ? big : good, k % 3 ? base : getPreset('ppocr-v4').input);
    expect(jpegWasmMemoryBytes()).toBe(before);
  });
});
