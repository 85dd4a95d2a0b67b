/**
 * Every page as a user meets it, at desktop width and at 390 px (a phone): the nav marks the current
 * page, nothing scrolls sideways, every form control and progress bar has an accessible name, and the
 * storage section is there. Screenshots go to test-results/pages/.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { collectErrors } from './console.ts';

const PAGES: [string, string, string][] = [
  ['index.html?backend=wasm', 'Recognize', 'data-model'],
  ['compare.html?backend=wasm', 'Compare', 'data-compare'],
  ['bench.html?backend=wasm', 'Benchmark', 'data-runtime'],
  ['finetune.html?backend=wasm', 'Fine-tune', 'data-page'],
  ['selftest.html?backend=cpu', 'Self-test', 'data-runtime'],
];
const shot = (name: string) => path.join('test-results', 'pages', name);
test.describe.configure({ timeout: 300_000 });

async function open(page: Page, url: string, readyAttr: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute(readyAttr, /ready|none/, { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-storage', 'ready');
}

/** Controls without an accessible name, as `tag#id[data-testid]` for the failure message. */
async function unnamed(page: Page): Promise<string[]> {
  const bad: string[] = [];
  for (const loc of await page.locator('input:not([type=hidden]), select, textarea, progress, meter, button').all()) {
    if (!(await loc.isVisible())) continue;
    const name = await loc.evaluate((e) => `${e.tagName.toLowerCase()}#${e.id}[${e.getAttribute('data-testid') ?? ''}]`);
    try {
      await expect(loc).toHaveAccessibleName(/\S/, { timeout: 1 });
    } catch {
      bad.push(name);
    }
  }
  return bad;
}

for (const [url, label, readyAttr] of PAGES) {
  const file = url.replace(/\?.*$/, '');
  test(`${file}: nav, accessible names, no sideways scroll at 390 px, storage`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await open(page, url, readyAttr);
    await expect(page.locator('nav a[aria-current="page"]')).toHaveText(label);
    await expect(page.locator('nav a[aria-current]')).toHaveCount(1);
    await expect(page.getByTestId('storage-usage')).toContainText('allowed');
    if (file === 'index.html') await expect(page.getByTestId('crop-help')).toContainText('one word per image');
    if (file === 'finetune.html') {
      // Says what the recipe will train from (a fresh profile stores no crnn-mv3-en model for the fine-tune recipe).
      await expect(page.getByTestId('recipe-preset')).toHaveValue('finetune-paddle');
      await expect(page.getByTestId('base-note')).toContainText(/^This run (starts from|trains) /);
      await expect(page.getByTestId('base-note')).toContainText('none is in this browser');
      // Both charts draw their axes before any step: their canvases are not blank.
      for (const id of ['loss-chart', 'accuracy-chart']) {
        const inked = await page.getByTestId(id).locator('canvas').evaluate((c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
          return n;
        });
        expect(inked, id).toBeGreaterThan(500);
      }
    }
    // Open every <details> so the controls inside are checked too.
    await page.locator('details').evaluateAll((ds) => ds.forEach((d) => ((d as HTMLDetailsElement).open = true)));
    expect(await unnamed(page)).toEqual([]);
    await page.screenshot({ path: shot(`${file}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    // Resize events (and the charts that follow them) arrive at the next rendering steps: let the page settle.
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100)))));
    const measure = () => page.evaluate(() => {
      const w = document.documentElement.clientWidth;
      // Elements past the right edge that no scrolling ancestor contains (a wide table scrolls inside itself).
      const contained = (e: Element): boolean => {
        for (let p = e.parentElement; p !== null && p !== document.body; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true;
        return false;
      };
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed' && !contained(e))
        .filter((e) => ![...e.querySelectorAll('*')].some((c) => c.getBoundingClientRect().right > w + 1))
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
      return { scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 8) };
    });
    // Polled: a loaded machine may deliver the resize late; what counts is that the page gets there.
    await expect.poll(async () => (await measure()).wide, { timeout: 5000 }).toEqual([]);
    const overflow = await measure();
    await page.screenshot({ path: shot(`${file}-390.png`), fullPage: true });
    expect(overflow.wide).toEqual([]);
    expect(overflow.scroll).toBeLessThanOrEqual(overflow.width);
    expect(errors).toEqual([]);
    await context.close();
  });
}
