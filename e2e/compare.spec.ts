/**
 * The compare page: ppocr-v4 (shipped) beside two stored models with a transform (RARE: TPS; SPIN:
 * GA-SPIN), on the bundled samples: one row per image, one cell per model, the rectified canvas in the
 * TPS and GA-SPIN columns only, the majority marks, CSV export, no sideways scroll at 390 px; a crashed
 * worker named in its own column (the others go on) and restarted; and every shipped model checked by
 * default, however many the build lists. The stored models are the committed oracle fixtures imported in
 * Node with their narrowed configs (the page's import form rightly refuses those: see
 * e2e/demo_rectified.spec.ts) and written into this origin's IndexedDB under the page's key scheme.
 * Needs no ../shared.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ShippedListing } from '../src/ui/shipped_models.ts';
import { tf } from '../src/runtime/tf.ts';
import { modelFixture, narrowed } from '../src/testing/model_fixtures.ts';
import { collectErrors } from './console.ts';
import { fixtureRecord, storeModels, type StoredRecord } from './stored_models.ts';

test.describe.configure({ mode: 'serial', timeout: 300_000 });

/** Stored fixtures: preset → the label of its rectified image. */
const STORED: [string, string][] = [
  ['rare-dtrb', 'rectified by TPS'],
  ['spin-r32', 'after GA-SPIN'],
];
/** Sample → what ppocr-v4 reads (as e2e/demo_default.spec.ts). */
const SAMPLES: [string, string][] = [
  ['03-exit.png', 'EXIT'],
  ['02-station.png', 'Station'],
];


/** Checks exactly `keys` among the model checkboxes (as a person clicking them would). */
async function choose(page: Page, keys: string[]): Promise<void> {
  for (const box of await page.getByTestId('model-checkbox').all()) {
    const want = keys.includes((await box.getAttribute('value')) ?? '');
    if ((await box.isChecked()) !== want) await box.click();
  }
}

const column = (page: Page, key: string) => page.locator(`[data-testid=column][data-key="${key}"]`);
const cell = (page: Page, file: string, key: string) => page.locator(`[data-testid=row][data-file="${file}"] [data-testid=cell][data-key="${key}"]`);

test.describe('ppocr-v4 beside stored TPS and GA-SPIN models', () => {
  let page: Page;
  let errors: string[];
  let stored: string[];

  test.beforeAll(async ({ browser }) => {
    await tf.setBackend('cpu');
    const records: StoredRecord[] = [];
    for (const [preset] of STORED) records.push(await fixtureRecord(preset, 'e2e/compare.spec.ts'));
    // The page lists stored models by their tf.io URL.
    stored = records.map((r) => `indexeddb://${r.key}`);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    errors = collectErrors(page);
    await page.goto('compare.html?backend=wasm');
    await expect(page.locator('body')).toHaveAttribute('data-compare', 'ready', { timeout: 120_000 });
    await storeModels(page, records);
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-compare', 'ready', { timeout: 120_000 });
  });

  test.afterAll(async () => {
    await page.context().close();
  });

  test('two samples: one row each, one cell per model, texts, the rectified canvas in the TPS and GA-SPIN columns only', async () => {
    const keys = ['shipped:ppocr-v4', ...stored];
    for (const key of stored) await expect(page.locator(`[data-testid=model-checkbox][value="${key}"]`)).not.toBeChecked();
    await choose(page, keys);
    await expect(page.getByTestId('column')).toHaveCount(keys.length);
    await expect(page.getByTestId('column').nth(0)).toHaveAttribute('data-key', 'shipped:ppocr-v4');
    for (const key of keys) await expect(column(page, key)).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
    for (const [i, [, label]] of STORED.entries()) await expect(column(page, stored[i]!)).toContainText(label);

    for (const [sample] of SAMPLES) await page.locator(`[data-testid=sample][data-sample="${sample}"]`).click();
    await expect(page.getByTestId('row')).toHaveCount(SAMPLES.length);
    await expect(page.locator('body')).toHaveAttribute('data-busy', 'false', { timeout: 120_000 });
    await expect(page.getByTestId('progress')).toHaveText(`Done: ${SAMPLES.length} images × ${keys.length} models.`);

    for (const [sample, word] of SAMPLES) {
      const row = page.locator(`[data-testid=row][data-file="${sample}"]`);
      await expect(row.getByTestId('cell')).toHaveCount(keys.length);
      await expect(row.getByRole('rowheader').getByRole('img', { name: `input image ${sample}` })).toBeVisible();
      await expect(cell(page, sample, 'shipped:ppocr-v4')).toHaveAttribute('data-text', word);
      await expect(cell(page, sample, 'shipped:ppocr-v4').getByTestId('cell-rectified')).toHaveCount(0);
      const texts = [word];
      for (const [i, [preset, label]] of STORED.entries()) {
        const c = cell(page, sample, stored[i]!);
        await expect(c).toHaveAttribute('data-state', 'ok');
        texts.push((await c.getAttribute('data-text')) ?? '');
        const config = narrowed(modelFixture(preset));
        const width = config.input.resize.mode === 'stretch' ? config.input.resize.width : null;
        const canvas = c.getByTestId('cell-rectified');
        await expect(canvas).toHaveCount(1);
        await expect(c.getByRole('img', { name: new RegExp(`^${label}`) })).toBeVisible();
        const got = await canvas.evaluate((e: HTMLCanvasElement) => {
          const d = e.getContext('2d')!.getImageData(0, 0, e.width, e.height).data;
          let alpha = 0;
          for (let k = 3; k < d.length; k += 4) alpha += d[k]!;
          return { width: e.width, height: e.height, alpha: alpha / (d.length / 4) };
        });
        expect([got.width, got.height], preset).toEqual([width, config.input.height]);
        expect(got.alpha, preset).toBe(255);
      }
      // The marks follow the texts: a cell is marked when its text is not the row's majority.
      const counts = new Map<string, number>();
      for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
      const top = Math.max(...counts.values());
      const winners = [...counts].filter(([, n]) => n === top);
      const majority = winners.length === 1 ? winners[0]![0] : null;
      for (const [i, key] of keys.entries()) {
        const marked = counts.size > 1 && texts[i] !== majority;
        await expect(cell(page, sample, key), `${sample} ${key}`).toHaveClass(marked ? /\bdiffers\b/ : /^(?!.*\bdiffers\b)/);
      }
      console.log(`${sample}: ${keys.map((k, i) => `${k.split('/').pop()!} ${JSON.stringify(texts[i])}`).join(', ')}`);
    }
    for (const key of keys) await expect(page.locator(`[data-testid=summary][data-key="${key}"]`)).toContainText(/^2 words · \d+\.\d ms mean/);

    const download = page.waitForEvent('download');
    await page.getByTestId('download-csv').click();
    const csv = await readFile(await (await download).path(), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(1 + SAMPLES.length * keys.length);
    expect(csv).toContain('03-exit.png,ppocr-v4,EXIT,');

    // On a phone the page never scrolls sideways: the table scrolls inside its own box.
    await page.screenshot({ path: path.join('test-results', 'compare', 'desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100)))));
    const measure = () => page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed')
        .filter((e) => ![...e.querySelectorAll('*')].some((c) => c.getBoundingClientRect().right > w + 1))
        .filter((e) => e.closest('.table-box') === null)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
      return { scroll: document.documentElement.scrollWidth, width: w, box: document.querySelector('.table-box')!.getBoundingClientRect().right, wide };
    });
    await expect.poll(async () => (await measure()).wide, { timeout: 5000 }).toEqual([]);
    const m = await measure();
    expect(m.scroll).toBeLessThanOrEqual(m.width);
    expect(m.box).toBeLessThanOrEqual(m.width);
    await page.screenshot({ path: path.join('test-results', 'compare', '390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('a crashed worker is a named error in its own column; the other reads on; Restart brings it back', async () => {
    const label = await column(page, stored[0]!).getAttribute('data-worker');
    const all = page.workers();
    const names = await Promise.all(all.map((w) => w.evaluate(() => (self as unknown as { name: string }).name).catch(() => '')));
    const target = all[names.findIndex((n) => n.startsWith(`webstr-live:${label}#`))];
    expect(target, `worker ${label} among ${names.join(', ')}`).toBeDefined();
    await target!.evaluate(() => setTimeout(() => self.close(), 0));
    await expect(column(page, stored[0]!)).toHaveAttribute('data-state', 'error');
    await expect(column(page, stored[0]!).getByTestId('column-error')).toContainText(`WorkerCrashedError: worker '${label}' crashed`);
    await expect(column(page, 'shipped:ppocr-v4')).toHaveAttribute('data-state', 'ready');

    await page.locator('[data-testid=sample][data-sample="04-open.png"]').click();
    await expect(cell(page, '04-open.png', 'shipped:ppocr-v4')).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
    await expect(cell(page, '04-open.png', stored[0]!)).toHaveAttribute('data-error-name', 'WorkerCrashedError');
    await expect(cell(page, '04-open.png', stored[1]!)).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
    // The rows read before the crash keep their results.
    await expect(cell(page, '03-exit.png', stored[0]!)).toHaveAttribute('data-state', 'ok');

    await page.getByRole('button', { name: `Restart ${stored[0]!.split('/').pop()!}` }).click();
    await expect(column(page, stored[0]!)).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
    await expect(cell(page, '04-open.png', stored[0]!)).toHaveAttribute('data-state', 'ok', { timeout: 60_000 });
    await expect(cell(page, '04-open.png', stored[0]!).getByTestId('cell-rectified')).toHaveCount(1);
  });

  test('no console errors', () => {
    expect(errors).toEqual([]);
  });
});

test('every shipped model the build lists is checked by default, and the choice is remembered', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const extra = ['zoo-fake-a', 'zoo-fake-b'];
  let listed: string[] = [];
  await page.route('**/models/index.json', async (route) => {
    const real = (await (await route.fetch()).json()) as { models: ShippedListing[] };
    const models = [...real.models, ...extra.map((name) => ({ ...real.models[0]!, name, title: `${name} (a listing this test adds)` }))];
    listed = models.map((m) => m.name);
    await route.fulfill({ json: { ...real, models } });
  });
  await page.goto('compare.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-compare', 'ready', { timeout: 120_000 });
  expect(listed).toContain('ppocr-v4');
  const boxes = page.getByTestId('model-checkbox');
  await expect(boxes).toHaveCount(listed.length);
  for (const name of listed) await expect(page.locator(`[data-testid=model-checkbox][value="shipped:${name}"]`)).toBeChecked();
  await expect(page.getByTestId('column')).toHaveCount(listed.length);
  // Names the registry does not know fail by name, in their own columns only.
  for (const name of extra) {
    await expect(column(page, `shipped:${name}`)).toHaveAttribute('data-state', 'error', { timeout: 120_000 });
    await expect(column(page, `shipped:${name}`).getByTestId('column-error')).toContainText(`InvalidArgumentError: unknown model '${name}'`);
  }
  await expect(column(page, 'shipped:ppocr-v4')).not.toHaveAttribute('data-state', 'error');

  await page.locator('[data-testid=model-checkbox][value="shipped:zoo-fake-a"]').click();
  await expect(page.getByTestId('column')).toHaveCount(listed.length - 1);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-compare', 'ready', { timeout: 120_000 });
  await expect(page.locator('[data-testid=model-checkbox][value="shipped:zoo-fake-a"]')).not.toBeChecked();
  await expect(page.locator('[data-testid=model-checkbox][value="shipped:zoo-fake-b"]')).toBeChecked();
  await context.close();
});
