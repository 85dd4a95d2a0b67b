import { expect, test } from '@playwright/test';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from './chromium.ts';

// A browser without --enable-unsafe-webgpu: navigator.gpu gives no adapter.
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_BASE_ARGS } });

test('forcing webgpu where it cannot start shows BackendUnavailableError listing what is available', async ({ page }) => {
  await page.goto('index.html?backend=webgpu');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'error');
  const error = page.getByTestId('error');
  await expect(error).toHaveAttribute('data-error-name', 'BackendUnavailableError');
  await expect(error).toContainText("backend 'webgpu' is not available");
  await expect(error).toContainText('Available here: wasm, cpu');
});

test('auto falls back to wasm when there is no adapter at all', async ({ page }) => {
  await page.goto('index.html');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(page.getByTestId('reason')).toContainText('no WebGPU adapter');
});
