/**
 * The recognizer worker in Chromium (harness page built by scripts/lib/recognizer_harness.ts):
 * webgpu parity with onnxruntime on 10 real crops (max |Δp| ≤ 1e-3) and wasm end-to-end text.
 * Needs ../shared (the ONNX model and the IIIT5K LMDB); skipped without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createCanvas } from '@napi-rs/canvas';
import * as ort from 'onnxruntime-node';
import { tf } from '../src/runtime/tf.ts';
import { openFileByteSource } from '../src/data/node_source.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { preprocess } from '../src/image/preprocess.ts';
import { getPreset } from '../src/models/presets.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import { openRecognizerHarness, type Harness } from '../scripts/lib/recognizer_harness.ts';

const ready = haveSharedModel() && haveLmdb('iiit5k_3000');
test.describe.configure({ mode: 'serial', timeout: 600_000 });

let harness: Harness;
const crops: { label: string; bytes: Uint8Array; input: { data: number[]; shape: number[] } }[] = [];

test.beforeAll(async () => {
  if (!ready) return;
  await tf.setBackend('cpu');
  const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
  const ds = await openDtrbDataset(src);
  const cfg = getPreset('crnn-mv3-en');
  for await (const s of ds.samples({ limit: 10 })) {
    const x = preprocess(await decodeNode(s.image), cfg.input);
    crops.push({ label: s.label, bytes: s.image, input: { data: Array.from(x.dataSync()), shape: x.shape } });
    x.dispose();
  }
  await src.close();
  harness = await openRecognizerHarness();
});

test.afterAll(async () => {
  if (ready) await harness.close();
});

test('webgpu in Chromium matches onnxruntime on 10 IIIT5K crops (max |Δp| ≤ 1e-3)', async () => {
  test.skip(!ready, 'needs ../shared');
  expect(await harness.call<string>('create', 'webgpu', './model.onnx')).toBe('webgpu');
  const sess = await ort.InferenceSession.create(MV3_EN_ONNX);
  let worst = 0;
  for (const c of crops) {
    const [, h, w, ch] = c.input.shape as [number, number, number, number];
    const nchw = new Float32Array(c.input.data.length);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < ch; k++) nchw[k * h * w + y * w + x] = c.input.data[(y * w + x) * ch + k]!;
    const ref = Object.values(await sess.run({ x: new ort.Tensor('float32', nchw, [1, ch, h, w]) }))[0]!.data as Float32Array;
    const ours = await harness.call<{ data: number[]; shape: number[] }>('predictRaw', c.input.data, c.input.shape);
    expect(ours.data.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours.data[i]! - ref[i]!));
  }
  await sess.release();
  console.log(`webgpu (Chromium): max |Δp| over ${crops.length} crops = ${worst.toExponential(3)}`);
  expect(worst).toBeLessThanOrEqual(1e-3);
});

test('wasm in Chromium: the worker reads real crops and names hostile inputs', async () => {
  test.skip(!ready, 'needs ../shared');
  expect(await harness.call<string>('create', 'wasm', './model.onnx')).toBe('wasm');
  const images = [...crops.slice(0, 3).map((c) => Array.from(c.bytes)), [], Array.from(crops[0]!.bytes.subarray(0, 100)), [1, 2, 3, 4, 5]];
  const r = await harness.call<{ texts: string[] }>('recognize', images, 1);
  expect(r.texts.slice(0, 3).map((t) => t.toUpperCase())).toEqual(crops.slice(0, 3).map((c) => c.label.toUpperCase()));
  expect(r.texts.slice(3)).toEqual(['!EmptyImageError', '!ImageDecodeError', '!ImageDecodeError']);
  // Our SIMD module (src/ops/simd) instantiated on the worker's tfjs-wasm heap.
  expect((await harness.call<{ simd: boolean }>('memory')).simd).toBe(true);
});

test('JPEG crops decode byte-identically through our wasm decoder or ImageDecoder (+ libjpeg\'s arithmetic) and createImageBitmap', async () => {
  test.skip(!ready, 'needs ../shared');
  // 200 crops of each shared test set (JPEG and PNG), plus damaged copies (scan data overwritten mid-file,
  // cut files) and a translucent PNG.
  const images: number[][] = [];
  for (const name of ['iiit5k_3000', 'svt_647', 'ic15_2077']) {
    if (!haveLmdb(name)) continue;
    const src = await openFileByteSource(path.join(LMDB_DIR, `${name}/data.mdb`));
    for await (const s of (await openDtrbDataset(src)).samples({ limit: 200 })) images.push(Array.from(s.image));
    await src.close();
  }
  const damaged = images.slice(0, 20).map((b, k) => {
    const c = [...b];
    if (k % 2 === 0) for (let i = Math.floor(c.length * 0.6); i < Math.floor(c.length * 0.6) + 16; i++) c[i] = (c[i]! * 7 + 13) & 0xff;
    else c.length = Math.floor(c.length * 0.7);
    return c;
  });
  // A translucent PNG (left to createImageBitmap, whose read-back rounds through premultiplied alpha).
  const c = createCanvas(60, 20);
  const g = c.getContext('2d');
  g.fillStyle = 'rgba(200, 40, 90, 0.4)';
  g.fillRect(0, 0, 60, 20);
  g.fillStyle = 'rgba(0, 0, 0, 0.7)';
  g.font = '14px sans-serif';
  g.fillText('alpha', 5, 15);
  damaged.push(Array.from(c.toBuffer('image/png')));
  let total = { fast: 0, wasm: 0, differ: 0, maxDiff: 0, errors: [] as string[], mismatchedErrors: 0 };
  for (let i = 0; i < images.length + damaged.length; i += 100) {
    const part = [...images, ...damaged].slice(i, i + 100);
    const r = await harness.call<typeof total>('decodeCompare', part);
    total = { fast: total.fast + r.fast, wasm: total.wasm + r.wasm, differ: total.differ + r.differ, maxDiff: Math.max(total.maxDiff, r.maxDiff), errors: [...total.errors, ...r.errors], mismatchedErrors: total.mismatchedErrors + r.mismatchedErrors };
  }
  console.log(`decode: ${images.length} crops + ${damaged.length} damaged; a fast path taken for ${total.fast} (our wasm JPEG decoder: ${total.wasm}); differing ${total.differ} (max |Δ| ${total.maxDiff}); errors ${JSON.stringify(total.errors)}`);
  expect(total.fast).toBeGreaterThanOrEqual(images.length); // a fast path is what ran (JPEG and PNG crops)
  expect(total.wasm).toBeGreaterThan(images.length / 2); // our decoder took the JPEGs (IIIT5K and SVT are JPEG; IC15 is PNG)
  expect(total.differ).toBe(0);
  expect(total.mismatchedErrors).toBe(0);
  expect(total.errors.every((e) => e === 'ImageDecodeError')).toBe(true);
});

test('webgpu device loss: the worker falls back to wasm, retries, and says so once', async () => {
  test.skip(!ready, 'needs ../shared');
  expect(await harness.call<string>('create', 'webgpu', './model.onnx')).toBe('webgpu');
  const one = [Array.from(crops[0]!.bytes)];
  const before = await harness.call<{ texts: string[]; backends: string[] }>('recognize', one, 1);
  expect(before.backends).toEqual(['webgpu']);
  await harness.call('loseDevice');
  const after = await harness.call<{ texts: string[]; backends: string[]; notices: string[] }>('recognize', one, 2);
  expect(after.texts[0]!.toUpperCase()).toBe(crops[0]!.label.toUpperCase());
  expect(after.backends).toEqual(['wasm', 'wasm']);
  expect(after.notices).toHaveLength(1);
  expect(after.notices[0]).toMatch(/device lost.*switched from webgpu to wasm/i);
});

test('weights load from IndexedDB and from a URL (tf.io), with their metadata', async () => {
  test.skip(!ready, 'needs ../shared');
  expect(await harness.call<string>('create', 'wasm', './model.onnx')).toBe('wasm');
  await harness.call('saveModel', 'indexeddb://webstr-e2e-mv3');
  expect(await harness.call<string>('createFrom', 'wasm', { kind: 'indexeddb', key: 'webstr-e2e-mv3' })).toBe('wasm:crnn-mv3-en:model.onnx');
  const one = [Array.from(crops[1]!.bytes)];
  const fromDb = await harness.call<{ texts: string[] }>('recognize', one, 1);
  expect(fromDb.texts[0]!.toUpperCase()).toBe(crops[1]!.label.toUpperCase());
  // The same weights as a served model.json + weights.bin, written by `webstr import`.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-e2e-'));
  execFileSync(process.execPath, ['cli/webstr.mjs', 'import', MV3_EN_ONNX, '--preset', 'crnn-mv3-en', '--out', dir], { stdio: 'ignore' });
  for (const f of ['model.json', 'weights.bin']) {
    await harness.page.route(`**/served/${f}`, (route) => route.fulfill({ body: readFileSync(path.join(dir, f)) }));
  }
  expect(await harness.call<string>('createFrom', 'wasm', { kind: 'url', url: new URL('served/model.json', harness.page.url()).href })).toBe(
    `wasm:crnn-mv3-en:${path.basename(MV3_EN_ONNX)}`,
  );
  const fromUrl = await harness.call<{ texts: string[] }>('recognize', one, 1);
  expect(fromUrl.texts).toEqual(fromDb.texts);
});
