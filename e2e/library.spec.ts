/**
 * The browser library as built for the package (`npm run build:lib` → dist-lib/browser/), imported by a
 * small page served as the package's files are (no bundler): a sample crop read with the shipped model
 * by name (fetched beside the package, SHA-256 checked, kept in Cache Storage, then read from there with
 * the model files unreachable), a few dozen crops of an LMDB evaluated, and the named errors for a
 * damaged download and for a folder that serves no models. Requests are answered by routing on a
 * made-up https origin (a secure context, as Cache Storage needs).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { LMDB_DIR, haveLmdb } from '../src/testing/shared.ts';
import { collectErrors } from './console.ts';

type Lib = typeof import('../src/lib/browser.ts');
declare global {
  interface Window {
    webstr: Lib;
  }
}

const ORIGIN = 'https://webstr-lib.test';
const LIB = path.resolve('dist-lib/browser');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png', '.json': 'application/json' };
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>webstr library</title></head><body>
<script type="module">import * as webstr from '/lib/index.js'; window.webstr = webstr; document.body.dataset.ready = '1';</script></body></html>`;

test.describe.configure({ timeout: 300_000 });

test.beforeEach(async ({ page }) => {
  test.skip(!haveLmdb('svt_647'), 'needs the shared svt_647 LMDB');
  await page.route(`${ORIGIN}/**`, async (route) => {
    const p = decodeURIComponent(new URL(route.request().url()).pathname);
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    let file: string | null = null;
    if (p === '/') return route.fulfill({ body: PAGE, contentType: 'text/html', headers });
    if (p.startsWith('/lib/')) file = path.join(LIB, p.slice('/lib/'.length));
    else if (p.startsWith('/samples/')) file = path.resolve('public', p.slice(1));
    else if (p === '/lmdb/svt_647/data.mdb') file = path.join(LMDB_DIR, 'svt_647/data.mdb'); // the shared test set: evaluated, never trained on
    else if (p.startsWith('/damaged/')) {
      // The package's models, one byte of the weights changed.
      const body = readFileSync(path.join(LIB, 'models', p.slice('/damaged/'.length)));
      if (p.endsWith('.bin')) body.writeUInt8(body.readUInt8(body.length >> 1) ^ 1, body.length >> 1);
      return route.fulfill({ body, headers });
    }
    const lmdb = path.join(LMDB_DIR, 'svt_647/data.mdb');
    if (file === null || (file !== lmdb && !path.resolve(file).startsWith(path.resolve('.') + path.sep))) return route.fulfill({ status: 404, headers });
    try {
      return await route.fulfill({ body: readFileSync(file), contentType: TYPES[path.extname(file)] ?? 'application/octet-stream', headers });
    } catch {
      return route.fulfill({ status: 404, headers });
    }
  });
});

test('a crop by shipped name, cached; an LMDB evaluated', async ({ page }) => {
  const errors = collectErrors(page);
  const fetched: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/lib/models/')) fetched.push(new URL(r.url()).pathname);
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  const first = await page.evaluate(async () => {
    const { createRecognizer, evaluate, openLmdb, MODEL_CACHE } = window.webstr;
    const r = await createRecognizer({ model: 'ppocr-v4', backend: 'wasm', workers: 2 });
    try {
      const crop = await r.recognize('/samples/01-coffee.png');
      const data = await (await fetch('/lmdb/svt_647/data.mdb')).blob();
      const svt = await openLmdb(data, 'svt_647');
      let last = 0;
      const report = await evaluate(r, [svt], { limit: 36, onProgress: (p) => (last = p.doneAll) });
      const cached = (await (await caches.open(MODEL_CACHE)).keys()).map((q) => new URL(q.url).pathname).sort();
      return { info: r.info, crop: crop.ok ? crop.text : crop.error.name, samples: report.summary.weighted.samples, accuracy: report.summary.weighted.accuracy, last, cached };
    } finally {
      await r.terminate();
    }
  });
  expect(first.info).toMatchObject({ backend: 'wasm', preset: 'ppocr-v4', workers: 2 });
  expect(first.crop).toBe('COFFEE');
  // As the Node library scores the same 36 (`evaluate(…, { limit: 36 })` on svt_647 there: 35 scored, 33 right).
  expect(first.samples).toBe(35);
  expect(first.last).toBeGreaterThanOrEqual(35);
  expect(first.accuracy).toBeGreaterThan(90);
  expect(first.cached).toEqual(['/lib/models/index.json', '/lib/models/ppocr-v4/model.json', '/lib/models/ppocr-v4/weights.bin']);
  expect(fetched).toContain('/lib/models/ppocr-v4/weights.bin');

  // The model files unreachable: the second recognizer starts from Cache Storage.
  fetched.length = 0;
  await page.route(`${ORIGIN}/lib/models/**`, (route) => route.abort('internetdisconnected'));
  const again = await page.evaluate(async () => {
    const r = await window.webstr.createRecognizer({ model: 'ppocr-v4', backend: 'wasm', workers: 1 });
    try {
      // A batch with bad items: each is its own named failure, in place; the good ones read.
      const os = await r.recognize(['/samples/03-exit.png', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), '/samples/04-open.png']);
      // Bytes copied by default; with `transfer` they move to the worker and are detached here.
      const bytes = new Uint8Array(await (await fetch('/samples/01-coffee.png')).arrayBuffer());
      const size = bytes.byteLength;
      const copied = await r.recognize(bytes);
      const copiedLeft = bytes.byteLength;
      const moved = await r.recognize(bytes, { transfer: true });
      const text = (o: (typeof os)[number]): string => (o.ok ? o.text : o.error.name);
      return { batch: os.map(text).join(' '), copied: text(copied), moved: text(moved), size, copiedLeft, movedLeft: bytes.byteLength };
    } finally {
      await r.terminate();
    }
  });
  expect(again.batch).toMatch(/^EXIT \w+Error open$/);
  expect(again).toMatchObject({ copied: 'COFFEE', moved: 'COFFEE', movedLeft: 0 });
  expect(again.size).toBeGreaterThan(100);
  expect(again.copiedLeft).toBe(again.size);
  expect(errors.filter((e) => !e.includes('internetdisconnected') && !e.includes('Failed to load resource'))).toEqual([]);
});

test('a damaged download and a folder without models are named errors', async ({ page }) => {
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  const names = await page.evaluate(async () => {
    const tryIt = async (modelBaseUrl: string): Promise<string> => {
      try {
        const r = await window.webstr.createRecognizer({ model: 'ppocr-v4', backend: 'wasm', workers: 1, modelBaseUrl });
        await r.terminate();
        return 'no error';
      } catch (err) {
        return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
    };
    let unknown = 'no error';
    try {
      await window.webstr.createRecognizer({ model: 'no-such-model', backend: 'wasm' });
    } catch (err) {
      unknown = err instanceof Error ? err.name : String(err);
    }
    return { damaged: await tryIt('/damaged/'), missing: await tryIt('/nowhere/'), unknown };
  });
  expect(names.damaged).toMatch(/^WeightsIntegrityError: model 'ppocr-v4' .*SHA-256/);
  expect(names.missing).toMatch(/^ModelUnavailableError: model 'ppocr-v4': no listing at https:\/\/webstr-lib\.test\/nowhere\/index\.json/);
  expect(names.unknown).toBe('UnknownModelError');
});

test('an LMDB imported into IndexedDB and evaluated; a step of training whose weights createRecognizer reads', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  const got = await page.evaluate(async () => {
    const { createRecognizer, evaluate, importDataset, listDatasets, openStoredDataset, train } = window.webstr;
    const file = new File([await (await fetch('/lmdb/svt_647/data.mdb')).blob()], 'data.mdb');
    const stored = await importDataset(file, { name: 'svt_647', limit: 24 });
    const listed = await listDatasets();
    const r = await createRecognizer({ model: 'ppocr-v4', backend: 'wasm', workers: 1 });
    const report = await evaluate(r, [await openStoredDataset(stored.id)]);
    await r.terminate();
    // Synthetic words only: the test set above is for evaluation, never for training.
    const steps: number[] = [];
    const run = await train({
      base: { preset: 'crnn-tiny' },
      backend: 'wasm',
      recipe: { datasets: [], syntheticRatio: 1, validation: null, steps: 1, batchSize: 2, optimizer: { kind: 'adam', lr: 1e-3 }, schedule: { kind: 'constant' }, batchNorm: 'train', augment: false, evalEvery: 0, checkpointEvery: 0, seed: 1, synthetic: { kind: 'tiny', vocabulary: 4 } },
      name: 'lib-e2e',
      onProgress: (e) => steps.push(e.step),
    });
    const tuned = await createRecognizer({ model: run.model, backend: 'wasm', workers: 1 });
    const o = await tuned.recognize('/samples/01-coffee.png');
    await tuned.terminate();
    return { stored, listed: listed.map((d) => d.name), samples: report.summary.weighted.samples, status: run.run.status, step: run.run.step, backend: run.backend, model: run.model, preset: tuned.info.preset, ok: o.ok, lastStep: steps.at(-1) };
  });
  expect(got.stored).toMatchObject({ name: 'svt_647', samples: 24 });
  expect(got.listed).toContain('svt_647');
  expect(got.samples).toBeGreaterThanOrEqual(23);
  expect(got).toMatchObject({ status: 'done', step: 1, backend: 'wasm', preset: 'crnn-tiny', ok: true, lastStep: 1 });
  expect(got.model).toMatch(/^indexeddb:\/\/webstr\/crnn-tiny\//);
  expect(errors).toEqual([]);
});
