/**
 * The demo page (index.html) as a person uses it: import the shared PaddleOCR ONNX through the page,
 * drop real IIIT5K crops (read from ../shared at test time) with hostile files among them, reload and
 * find the model still there, a 100-image batch without long tasks on the main thread, and screenshots
 * (desktop and 390 px phone width) kept under test-results/. Skipped without ../shared.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type JSHandle, type Page } from '@playwright/test';
import { openFileByteSource } from '../src/data/node_source.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { LMDB_DIR, MV3_EN_ONNX, haveLmdb, haveSharedModel } from '../src/testing/shared.ts';
import { collectErrors } from './console.ts';
import { describeTasks, traceMainThread } from './main_thread.ts';
import { SHIPPED_MODELS } from '../src/recognize/registry.ts';

const ready = haveSharedModel() && haveLmdb('iiit5k_3000');
test.describe.configure({ mode: 'serial', timeout: 600_000 });

/** IIIT5K test crops (index in the LMDB → what onnxruntime reads on them, which equals the label). */
const EXPECTED: [number, string][] = [
  [0, 'PRIVATE'],
  [2, 'Salutes'],
  [3, 'DOLCE'],
  [6, 'STATE'],
  [7, 'BANK'],
];

interface Crop { name: string; label: string; b64: string }
const crops: Crop[] = [];
const MODEL_KEY = `indexeddb://webstr/crnn-mv3-en/${path.basename(MV3_EN_ONNX)}`;
/** A PNG header that declares 30000×30000 pixels (and nothing after it). */
function hugePngHeader(): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(30000, 16);
  b.writeUInt32BE(30000, 20);
  b[24] = 8;
  b[25] = 6;
  return b.toString('base64');
}
const shot = (name: string) => path.join('test-results', 'demo', name);

let page: Page;
let errors: string[];

test.beforeAll(async ({ browser }) => {
  if (!ready) return;
  const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
  const ds = await openDtrbDataset(src);
  let i = 0;
  for await (const s of ds.samples({ limit: 100 })) {
    crops.push({ name: `iiit5k-${String(i++).padStart(4, '0')}.jpg`, label: s.label, b64: Buffer.from(s.image).toString('base64') });
  }
  await src.close();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  errors = collectErrors(page);
  page.on('console', (m) => {
    if (m.text().startsWith('blocking animation frame')) console.log(m.text());
  });
});

test.afterAll(async () => {
  if (ready) await page.context().close();
});

/** Drops files on the drop zone, as a person dragging them from a file manager would. */
async function dropFiles(files: { name: string; b64: string; type?: string }[]): Promise<void> {
  await dropTransfer(await transferOf(files));
}

/** The files as a DataTransfer in the page, made ahead of a drop (`dropTransfer`). */
function transferOf(files: { name: string; b64: string; type?: string }[]): Promise<JSHandle<DataTransfer>> {
  return page.evaluateHandle((fs) => {
    const d = new DataTransfer();
    for (const f of fs) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      d.items.add(new File([bytes], f.name, { type: f.type ?? '' }));
    }
    return d;
  }, files);
}

async function dropTransfer(dt: JSHandle<DataTransfer>): Promise<void> {
  await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: dt });
}

async function waitIdle(count: number): Promise<void> {
  await expect(page.getByTestId('result')).toHaveCount(count, { timeout: 300_000 });
  await expect(page.locator('body')).toHaveAttribute('data-busy', 'false');
}

async function resultOf(file: string): Promise<{ text: string | null; error: string | null }> {
  const card = page.locator(`[data-testid=result][data-file="${file}"]`);
  return { text: await card.getAttribute('data-text'), error: await card.getAttribute('data-error-name') };
}

test('import the shared ONNX through the page; five real crops read as expected, hostile files get errors', async () => {
  test.skip(!ready, 'needs ../shared');
  await page.goto('index.html?backend=wasm');
  // A fresh profile starts on the shipped default model; importing adds to the list.
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue('shipped:ppocr-v4');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  // A shipped model is loaded, so the import form starts folded: open it as a person would.
  if (!(await page.locator('#import-box').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('#import-box > summary').click();

  // A corrupt .onnx and a truncated .pth: clear named errors, nothing stored.
  await page.getByTestId('model-file').setInputFiles({ name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not an ONNX model') });
  await page.getByTestId('model-import').click();
  await expect(page.getByTestId('import-status')).toHaveAttribute('data-error-name', 'OnnxFormatError');
  await page.getByTestId('model-file').setInputFiles({ name: 'TPS-ResNet-BiLSTM-Attn.pth', mimeType: 'application/octet-stream', buffer: Buffer.from([0x80, 0x02]) });
  await page.getByTestId('model-import').click();
  await expect(page.getByTestId('import-status')).toHaveAttribute('data-error-name', 'CheckpointFormatError');
  await expect(page.getByTestId('model-select')).toHaveValue('shipped:ppocr-v4');

  await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
  await page.getByTestId('model-import').click();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue(MODEL_KEY);

  const five = EXPECTED.map(([i]) => crops[i]!);
  for (const [i, text] of EXPECTED) expect(crops[i]!.label).toBe(text);
  await dropFiles([
    five[0]!,
    five[1]!,
    { name: 'notes.txt', b64: Buffer.from('not an image, just text\n').toString('base64'), type: 'text/plain' },
    five[2]!,
    { name: 'empty.png', b64: '', type: 'image/png' },
    five[3]!,
    { name: 'huge.png', b64: hugePngHeader(), type: 'image/png' },
    five[4]!,
  ]);
  await waitIdle(8);
  for (const [k, [, text]] of EXPECTED.entries()) expect(await resultOf(five[k]!.name)).toEqual({ text, error: null });
  expect(await resultOf('notes.txt')).toEqual({ text: null, error: 'ImageDecodeError' });
  expect(await resultOf('empty.png')).toEqual({ text: null, error: 'EmptyImageError' });
  expect(await resultOf('huge.png')).toEqual({ text: null, error: 'ImageTooLargeError' });
  await expect(page.getByTestId('progress')).toContainText('8 images, 3 with errors');
  // Each card shows confidence, per-character colours and timing.
  const first = page.locator(`[data-testid=result][data-file="${five[0]!.name}"]`);
  await expect(first.getByTestId('result-confidence')).toContainText('%');
  await expect(first.locator('.char')).toHaveCount(EXPECTED[0]![1].length);

  // Exports carry the same results.
  const json = await page.evaluate(() => window.webstrDemo?.results.map((r) => (r.outcome.ok ? r.outcome.text : `!${r.outcome.error.name}`)));
  expect(json).toEqual(['PRIVATE', 'Salutes', '!ImageDecodeError', 'DOLCE', '!EmptyImageError', 'STATE', '!ImageTooLargeError', 'BANK']);
  const download = page.waitForEvent('download');
  await page.getByTestId('download-csv').click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('file,text,confidence,total_ms,backend,error');
  expect(csv).toContain(`${five[0]!.name},PRIVATE,`);

  await page.screenshot({ path: shot('desktop-results.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the imported model is still there after a reload; samples are read', async () => {
  test.skip(!ready, 'needs ../shared');
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue(MODEL_KEY);
  await expect(page.getByTestId('model-status')).toContainText('crnn-mv3-en');
  await page.locator('[data-testid=sample][data-sample="01-coffee.png"]').click();
  await page.locator('[data-testid=sample][data-sample="02-station.png"]').click();
  await waitIdle(2);
  expect(await resultOf('01-coffee.png')).toEqual({ text: 'COFFEE', error: null });
  expect(await resultOf('02-station.png')).toEqual({ text: 'Station', error: null });
  expect(errors).toEqual([]);
});

test('paste an image; keyboard: Enter on a sample; a .pth dropped with images is routed to import', async () => {
  test.skip(!ready, 'needs ../shared');
  await page.getByTestId('clear').click();
  await page.evaluate((b64) => {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'image.png', { type: 'image/jpeg' }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
  }, crops[6]!.b64);
  await waitIdle(1);
  expect(await resultOf('pasted-1.jpeg')).toEqual({ text: 'STATE', error: null });
  await page.locator('[data-testid=sample][data-sample="03-exit.png"]').focus();
  await page.keyboard.press('Enter');
  await waitIdle(2);
  expect(await resultOf('03-exit.png')).toEqual({ text: 'EXIT', error: null });
  await dropFiles([{ name: 'model.pth', b64: Buffer.from([0x80, 0x02]).toString('base64') }, crops[7]!]);
  await waitIdle(3);
  expect(await resultOf(crops[7]!.name)).toEqual({ text: 'BANK', error: null });
  await expect(page.getByTestId('import-status')).toHaveAttribute('data-error-name', 'CheckpointFormatError');
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready');
  expect(errors).toEqual([]);
});

test('a folder picked with the folder input: every file in it, named by its path', async () => {
  test.skip(!ready, 'needs ../shared');
  // Written to a temporary folder at test time (never into the repository).
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'webstr-demo-')), 'crops');
  mkdirSync(path.join(dir, 'more'), { recursive: true });
  writeFileSync(path.join(dir, 'a.jpg'), Buffer.from(crops[3]!.b64, 'base64'));
  writeFileSync(path.join(dir, 'more', 'b.jpg'), Buffer.from(crops[7]!.b64, 'base64'));
  await page.getByTestId('clear').click();
  await page.getByTestId('image-folder').setInputFiles(dir);
  await waitIdle(2);
  expect(await resultOf('crops/a.jpg')).toEqual({ text: 'DOLCE', error: null });
  expect(await resultOf('crops/more/b.jpg')).toEqual({ text: 'BANK', error: null });
});

test('a 100-image batch: progress, no task over 50 ms of main-thread CPU', async ({ browser }) => {
  test.skip(!ready, 'needs ../shared');
  await page.getByTestId('clear').click();
  await expect(page.getByTestId('result')).toHaveCount(0);
  const t0 = Date.now();
  // Thread time, not wall time: see e2e/main_thread.ts.
  const dt = await transferOf(crops);
  const { tasks } = await traceMainThread(browser, page, async () => {
    await dropTransfer(dt);
    await expect(page.getByTestId('progress')).toContainText(/Recognising \d+ of 100/);
    await waitIdle(100);
  });
  const seconds = (Date.now() - t0) / 1000;
  const texts = await page.evaluate(() => window.webstrDemo?.results.filter((r) => r.outcome.ok).length);
  console.log(`100 crops in ${seconds.toFixed(1)} s; ${describeTasks(tasks)}`);
  expect(texts).toBe(100);
  expect(tasks.filter((t) => t.cpuMs > 50)).toEqual([]);
  expect(errors).toEqual([]);
});

test('phone width (390 px): screenshot, nothing wider than the viewport', async () => {
  test.skip(!ready, 'needs ../shared');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('clear').click();
  await page.locator('[data-testid=sample][data-sample="06-library.png"]').click();
  await dropFiles([crops[0]!, { name: 'empty.png', b64: '', type: 'image/png' }]);
  await waitIdle(3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: shot('phone-results.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: shot('phone-results-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  // Keyboard and labels: the drop zone is a focusable button described by its help text; inputs are labelled.
  await expect(page.getByRole('button', { name: /Drop images or a folder here/ })).toHaveAttribute('tabindex', '0');
  await expect(page.getByLabel('Pick images')).toHaveCount(1);
  await expect(page.getByRole('combobox', { name: 'Model', exact: true })).toHaveCount(1);
});

test('deleting the imported model (after confirming) falls back to the shipped one, which cannot be deleted', async () => {
  test.skip(!ready, 'needs ../shared');
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('model-delete').click();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue('shipped:ppocr-v4');
  // Only the shipped models remain (the default and the zoo's), none of them deletable.
  await expect(page.getByTestId('model-select').locator('option')).toHaveCount(SHIPPED_MODELS.length);
  const values = await page.getByTestId('model-select').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(values.sort()).toEqual(SHIPPED_MODELS.map((m) => `shipped:${m.name}`).sort());
  await expect(page.getByTestId('model-delete')).toBeDisabled();
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await page.locator('[data-testid=sample][data-sample="04-open.png"]').click();
  await waitIdle(1);
  expect(await resultOf('04-open.png')).toEqual({ text: 'open', error: null });
  expect(errors).toEqual([]);
});
