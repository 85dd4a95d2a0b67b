/**
 * The demo's import form with real DTRB checkpoints (issue 18 item 9; committed fixtures from
 * scripts/fixtures/dtrb_real.py): a `.pth` lists the model read from it and only the presets it fits;
 * DTRB's own TPS-VGG-BiLSTM-Attn imports with no preset and reads its crops as PyTorch did; a checkpoint
 * that fits nothing says why in one line.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

const FIXTURES = 'src/models/fixtures';
const f = JSON.parse(readFileSync(`${FIXTURES}/dtrb_tps_vgg_bilstm_attn.json`, 'utf8')) as { crops: { index: number; image: string }[]; predictions: string[] };

test('import form: a DTRB .pth is offered as the model it holds, imports without a preset and reads as PyTorch', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('index.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-runtime', 'ready');
  // A shipped model is loaded, so the import form starts folded: open it as a person would.
  if (!(await page.locator('#import-box').evaluate((d) => (d as HTMLDetailsElement).open))) await page.locator('#import-box > summary').click();
  const preset = page.getByTestId('preset-select');

  // GA-SPIN's narrow fixture is no DTRB model and fits no preset: nothing to choose, one line saying why.
  await page.getByTestId('model-file').setInputFiles(`${FIXTURES}/spin-r32.pth`);
  await expect(page.getByTestId('import-status')).toHaveAttribute('data-error-name', 'CheckpointStructureError');
  await expect(page.getByTestId('import-status')).toContainText('spin-r32.pth: not a model webstr can build: ');
  await expect(preset).toBeDisabled();

  await page.getByTestId('model-file').setInputFiles(`${FIXTURES}/dtrb_tps_vgg_bilstm_attn.pth`);
  await expect(preset).toBeEnabled();
  await expect(preset.locator('option')).toHaveText(['TPS-VGG-BiLSTM-Attn (read from the file)']);
  await page.getByTestId('model-import').click();
  await expect(page.locator('body')).toHaveAttribute('data-model', 'ready', { timeout: 120_000 });
  await expect(page.getByTestId('model-select')).toHaveValue('indexeddb://webstr/TPS-VGG-BiLSTM-Attn/dtrb_tps_vgg_bilstm_attn.pth');

  const crops = f.crops.slice(0, 4).map((c, i) => ({ name: `crop${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(c.image, 'base64') }));
  await page.getByTestId('image-files').setInputFiles(crops);
  await expect(page.getByTestId('result')).toHaveCount(4, { timeout: 120_000 });
  await expect(page.locator('body')).toHaveAttribute('data-busy', 'false');
  for (const [i, c] of crops.entries()) {
    await expect(page.locator(`[data-testid=result][data-file="${c.name}"]`)).toHaveAttribute('data-text', f.predictions[i]!);
  }

  // An .onnx brings every preset back.
  await page.getByTestId('model-file').setInputFiles({ name: 'x.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not read') });
  await expect(preset).toHaveValue('crnn-mv3-en');
});

test('bench page: a DTRB .pth is offered as the model read from it and imported without a preset', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('bench.html?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-bench', 'idle');
  await page.getByTestId('model-file').setInputFiles(`${FIXTURES}/dtrb_none_vgg_bilstm_ctc.pth`);
  await expect(page.getByTestId('model-preset').locator('option')).toHaveText(['None-VGG-BiLSTM-CTC (read from the file)']);
  await page.getByTestId('model-import').click();
  await expect(page.locator('body')).toHaveAttribute('data-model-import', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('model-status')).toHaveText('stored dtrb_none_vgg_bilstm_ctc (None-VGG-BiLSTM-CTC) in this browser');
  await page.getByTestId('model-file').setInputFiles(`${FIXTURES}/spin-r32.pth`);
  await expect(page.getByTestId('model-status')).toContainText('CheckpointStructureError: spin-r32.pth: not a model webstr can build: ');
  await expect(page.getByTestId('model-preset')).toBeDisabled();
});
