/**
 * Out of the box: a fresh browser profile opens the demo, which loads the shipped default model (the most
 * accurate: PP-OCRv4) with no import, and reads every bundled sample crop right; the allowed-character
 * control restricts the output and is remembered; the model choice is remembered across a reload.
 */
import { expect, test, type Page } from '@playwright/test';
import { collectErrors } from './console.ts';

const WORDS: [string, string][] = [
  ['01-coffee.png', 'COFFEE'],
  ['02-station.png', 'Station'],
  ['03-exit.png', 'EXIT'],
  ['04-open.png', 'open'],
  ['05-2024.png', '2024'],
  ['06-library.png', 'Library'],
];

test.describe.configure({ mode: 'serial', timeout: 300_000 });
let page: Page;
let errors: string[];

test.beforeAll(async ({ browser }) => {
  // A new context is a fresh profile: no IndexedDB models, no localStorage.
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  errors = collectErrors(page);
});

test.afterAll(async () => {
  await page.context().close();
});

async function read(file: string): Promise<{ text: string | null; error: string | null }> {
  const before = await page.getByTestId('result').count();
  await page.locator(`[data-testid=sample][data-sample="${file}"]`).click();
  await expect(page.getByTestId('result')).toHaveCount(before + 1, { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-busy', 'false');
  const card = page.getByTestId('result').nth(before);
  return { text: await card.getAttribute('data-text'), error: await card.getAttribute('data-error-name') };
}

test('a fresh profile reads every sample crop with the shipped default model, no import', async () => {
  await page.goto('index.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue('shipped:ppocr-v4');
  await expect(page.getByTestId('model-status')).toContainText('ppocr-v4');
  await expect(page.getByTestId('model-delete')).toBeDisabled();
  for (const [file, word] of WORDS) expect(await read(file), file).toEqual({ text: word, error: null });
  expect(errors).toEqual([]);
});

test('allowed characters restrict the output and are remembered across a reload', async () => {
  await page.getByTestId('allow-select').selectOption('digits');
  await expect(page.getByTestId('allow-status')).toContainText('only the chosen characters');
  const r = await read('03-exit.png');
  expect(r.error).toBeNull();
  expect(r.text ?? '').toMatch(/^[0-9]*$/);
  expect(await read('05-2024.png')).toEqual({ text: '2024', error: null });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('allow-select')).toHaveValue('digits');
  expect((await read('01-coffee.png')).text ?? '').toMatch(/^[0-9]*$/);
  // A custom set: only the letters of "EXIT".
  await page.getByTestId('allow-select').selectOption('custom');
  await page.getByTestId('allow-custom').fill('EXIT');
  await page.getByTestId('allow-custom').press('Enter');
  await page.getByTestId('allow-custom').blur();
  await expect(page.getByTestId('allow-status')).toContainText('only the chosen characters');
  expect(await read('03-exit.png')).toEqual({ text: 'EXIT', error: null });
  await page.getByTestId('allow-select').selectOption('all');
  expect(await read('02-station.png')).toEqual({ text: 'Station', error: null });
  expect(errors).toEqual([]);
});

test('?model= takes a shipped name or a model.json URL, verified by &sha256= (a wrong digest is a named error)', async () => {
  const index = (await (await page.request.get('models/index.json')).json()) as { models: { name: string; sha256: string; path: string }[] };
  const pp = index.models.find((m) => m.name === 'ppocr-v4')!;
  await page.goto(`index.html?backend=wasm&model=${encodeURIComponent(pp.path)}&sha256=${pp.sha256}`);
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue(`url:${pp.path}`);
  expect(await read('01-coffee.png')).toEqual({ text: 'COFFEE', error: null });
  await page.goto(`index.html?backend=wasm&model=${encodeURIComponent(pp.path)}&sha256=${'0'.repeat(64)}`);
  await expect(page.locator('body')).toHaveAttribute('data-model', 'error', { timeout: 120_000 });
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-error-name', 'WeightsIntegrityError');
  // A link's model is for that visit: the remembered choice is untouched.
  await page.goto('index.html?backend=wasm&model=ppocr-v4');
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue('shipped:ppocr-v4');
});
