import { expect, test } from '@playwright/test';
import { collectErrors } from './console.ts';
import { PAGES } from '../src/ui/page_chrome.ts';

for (const page of ['index.html', 'bench.html', 'selftest.html']) {
  test(`${page} loads from the production build with no console errors`, async ({ page: p }) => {
    const errors = collectErrors(p);
    await p.goto(page);
    await expect(p.locator('body')).toHaveAttribute('data-runtime', 'ready');
    if (page === 'selftest.html') await expect(p.locator('body')).toHaveAttribute('data-selftest', /pass|fail|error/);
    expect(errors).toEqual([]);
  });
}

test('every page has the same nav, with its own link marked current', async ({ page }) => {
  const pages = PAGES.map((p) => [p.file, p.label] as const);
  for (const [file, label] of pages) {
    await page.goto(file);
    const nav = page.getByRole('navigation', { name: 'Pages' });
    await expect(nav.getByRole('link')).toHaveText(pages.map((p) => p[1]));
    await expect(nav.locator('[aria-current="page"]')).toHaveText([label]);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`webstr · ${label}`);
  }
});

test('auto picks wasm on a software adapter and says why', async ({ page }) => {
  await page.goto('index.html');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(page.getByTestId('reason')).toContainText('software WebGPU adapter');
  await expect(page.getByTestId('reason')).toContainText('swiftshader');
});

test('the wasm backend starts under cross-origin isolation (no threaded-wasm hang)', async ({ page }) => {
  await page.goto('index.html?backend=wasm');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('backend')).toHaveText('wasm');
});

test("tfjs-wasm's threaded build starts under cross-origin isolation and the kernels still match (?threads=on)", async ({ page }) => {
  // Before vite.tfjs_wasm_threads.ts the pthread workers died on the minified factory and setBackend hung.
  const errors = collectErrors(page);
  await page.goto('selftest.html?backend=wasm&threads=on');
  await expect(page.locator('body')).toHaveAttribute('data-selftest', /pass|fail|error/, { timeout: 110_000 });
  const report = await page.evaluate(() => window.webstrSelftest);
  expect(report?.backend).toBe('wasm');
  expect(report?.results.filter((r) => !r.pass) ?? ['no results']).toEqual([]);
  // XNNPACK's pool: one thread per logical core, at most 8 (tfjs's own cap would give 1 on 2 cores).
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(page.locator('#runtime')).toContainText(`threads on (${Math.min(cores, 8)} running)`);
  expect(errors).toEqual([]);
});

for (const backend of ['webgpu', 'wasm', 'cpu']) {
  test(`forced ${backend}: the custom kernels match their PyTorch fixtures`, async ({ page }) => {
    await page.goto(`selftest.html?backend=${backend}`);
    await expect(page.locator('body')).toHaveAttribute('data-selftest', /pass|fail|error/, { timeout: 110_000 });
    const result = await page.evaluate(() => window.webstrSelftest);
    expect(result?.backend).toBe(backend);
    const failures = result?.results.filter((r) => !r.pass) ?? [];
    expect(failures).toEqual([]);
    expect(result?.results.some((r) => r.op === 'hardSwish' && r.direction === 'forward')).toBe(true);
    expect(result?.results.some((r) => r.op === 'hardSwish' && r.direction === 'backward')).toBe(true);
    await expect(page.getByTestId('summary')).toContainText(`0 failed on ${backend}`);
  });
}

test('an unknown backend name is a named error listing the choices', async ({ page }) => {
  await page.goto('index.html?backend=metal');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'error');
  await expect(page.getByTestId('error')).toHaveAttribute('data-error-name', 'InvalidArgumentError');
  await expect(page.getByTestId('error')).toContainText('auto, webgpu, wasm, cpu');
});

test('WebGPU device loss is detected and reported as DeviceLostError', async ({ page }) => {
  await page.goto('selftest.html?backend=webgpu&simulate=device-loss');
  await expect(page.locator('body')).toHaveAttribute('data-selftest', 'pass', { timeout: 110_000 });
  const error = page.getByTestId('device-lost').getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'DeviceLostError');
  await expect(error).toContainText('destroyed');
});
