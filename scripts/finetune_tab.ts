/**
 * Fine-tunes the shared PaddleOCR model in the tab and measures it, all in headless Chromium through the
 * production pages (scripts/lib/browser.ts):
 *   finetune.html: import the training split (LMDB → IndexedDB through the dataset panel) and the ONNX
 *   (→ tf.io IndexedDB), start a run through `window.webstrTrain.start` (the Start button's path), wait
 *   for it, export the weights into the model list;
 *   bench.html: evaluate the base and the fine-tuned model on the test split (LMDB read in place).
 * The test split is never seen during training (no validation set: nothing is selected on it); the
 * exported weights are the last step's. Checkpoints live in the browser profile, outside the repo.
 *
 *   node --import ./cli/register.mjs scripts/finetune_tab.ts [--steps 300] [--batch 16] [--lr 3e-4]
 *     [--train ic15_train_4468] [--test ic15_2077] [--backend wasm] [--eval-limit N] [--json out.json] [--skip-build]
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { LMDB_DIR, MV3_EN_ONNX } from '../src/testing/shared.ts';
import type { StartRequest } from '../workers/trainer_api.ts';
import { startBrowserSession } from './lib/browser.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const steps = Number(arg('steps', '300'));
const batch = Number(arg('batch', '16'));
const lr = Number(arg('lr', '3e-4'));
const trainSet = arg('train', 'ic15_train_4468');
const testSet = arg('test', 'ic15_2077');
const backend = arg('backend', 'wasm');
const evalLimit = arg('eval-limit', '');
const jsonOut = arg('json', '');
const seed = Number(arg('seed', '1'));
const log = (m: string) => console.error(`finetune_tab: ${m}`);

if (/_\d+$/.test(trainSet) && !trainSet.includes('_train_')) throw new Error(`--train ${trainSet}: not a training split (never train on a test set)`);
for (const s of [trainSet, testSet]) if (!existsSync(path.join(LMDB_DIR, s, 'data.mdb'))) throw new Error(`no LMDB ${s} under ${LMDB_DIR}`);

async function waitAttr(page: Page, attr: string, values: string[], timeout: number): Promise<string> {
  await page.waitForFunction(([a, v]) => (v).includes(document.body.getAttribute(a) ?? ''), [attr, values] as const, { timeout, polling: 500 });
  return (await page.locator('body').getAttribute(attr)) ?? '';
}

async function main(): Promise<void> {
  const session = await startBrowserSession({ skipBuild: process.argv.includes('--skip-build'), webgpu: backend === 'webgpu' });
  const t0 = performance.now();
  try {
    const page = await session.open(`finetune.html?backend=${backend}`);
    await waitAttr(page, 'data-page', ['ready'], 120_000);

    log(`importing ${trainSet} into IndexedDB…`);
    let t = performance.now();
    await page.getByTestId('dataset-name').fill(trainSet);
    await page.getByTestId('lmdb-file').setInputFiles(path.join(LMDB_DIR, trainSet, 'data.mdb'));
    if ((await waitAttr(page, 'data-ingest', ['done', 'error'], 600_000)) !== 'done') throw new Error(`import failed: ${await page.getByTestId('ingest-status').innerText()}`);
    log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await page.getByTestId('model-file').setInputFiles(MV3_EN_ONNX);
    await page.getByTestId('model-import').click();
    if ((await waitAttr(page, 'data-model-import', ['done', 'error'], 120_000)) !== 'done') throw new Error(`model import failed: ${await page.getByTestId('model-status').innerText()}`);
    const baseKey = 'indexeddb://webstr/crnn-mv3-en/en_number_mobile_v2.0_rec_infer.onnx';
    const datasetId = await page.locator(`[data-train-dataset="${trainSet}"] input`).getAttribute('value');
    if (datasetId === null) throw new Error(`${trainSet} is not listed among the training datasets`);

    const req: StartRequest = {
      base: { kind: 'stored', key: baseKey },
      recipe: {
        datasets: [datasetId],
        syntheticRatio: 0,
        validation: null,
        steps,
        batchSize: batch,
        optimizer: { kind: 'adam', lr, beta1: 0.9, beta2: 0.999 },
        schedule: { kind: 'cosine', warmup: Math.min(20, Math.floor(steps / 10)) },
        clipNorm: 5,
        batchNorm: 'frozen',
        augment: true,
        evalEvery: 0,
        checkpointEvery: 50,
        seed,
      },
    };
    log(`training ${steps} steps × ${batch} on ${backend} (Adam ${lr}, cosine, BN frozen, RecAug)…`);
    t = performance.now();
    await page.evaluate((r) => window.webstrTrain!.start(r).then(() => undefined), req);
    const timer = setInterval(() => {
      void page
        .evaluate(() => window.webstrTrain?.last ?? null)
        .then((e) => {
          if (e !== null) log(`step ${e.step}/${e.totalSteps} · loss ${e.loss.toFixed(3)} · ${e.samplesPerSec.toFixed(1)} samples/s · ETA ${e.etaSec === null ? '…' : Math.round(e.etaSec)} s · ${e.phase}`);
        })
        .catch(() => undefined);
    }, 30_000);
    let end: string;
    try {
      end = await waitAttr(page, 'data-train', ['done', 'failed', 'stopped'], 6 * 3600_000);
    } finally {
      clearInterval(timer);
    }
    const trainSec = (performance.now() - t) / 1000;
    const last = await page.evaluate(() => window.webstrTrain!.last);
    if (end !== 'done') throw new Error(`the run ended '${end}': ${JSON.stringify(last?.error ?? null)}`);
    log(`trained ${last!.step} steps in ${trainSec.toFixed(0)} s`);
    const name = `${trainSet}-ft-${steps}`;
    await page.getByTestId('export-name').fill(name);
    await page.getByTestId('export-idb').click();
    await page.waitForFunction((n) => document.querySelector('[data-testid="export-status"]')?.getAttribute('data-exported') === n, name, { timeout: 60_000 });

    log(`evaluating the base and the fine-tuned model on ${testSet} (bench.html)…`);
    await page.goto(new URL(`bench.html?backend=${backend}`, session.baseUrl).href);
    await waitAttr(page, 'data-bench', ['idle'], 120_000);
    await page.waitForFunction(() => Number(document.body.dataset.models ?? 0) >= 2, undefined, { timeout: 60_000 });
    for (const m of ['en_number_mobile_v2.0_rec_infer', name]) await page.locator(`[data-model="${m}"] input`).check();
    await page.getByTestId('data-files').setInputFiles(path.join(LMDB_DIR, testSet, 'data.mdb'));
    if (evalLimit !== '') await page.getByTestId('run-limit').fill(evalLimit);
    t = performance.now();
    await page.getByTestId('run-start').click();
    if ((await waitAttr(page, 'data-bench', ['done', 'error'], 3600_000)) !== 'done') throw new Error(`evaluation failed: ${await page.getByTestId('run-status').innerText()}`);
    const reports = await page.evaluate(() => window.webstrBench!.reports.map((r) => ({ ...r.summary.datasets[0]!, model: r.run.model, runSeconds: r.run.seconds })));
    const result = {
      backend,
      train: { dataset: trainSet, steps: last!.step, batch, lr, seconds: Math.round(trainSec), finalLoss: last!.loss },
      test: testSet,
      before: reports.find((r) => r.model === 'en_number_mobile_v2.0_rec_infer'),
      after: reports.find((r) => r.model === name),
      evalSeconds: Math.round((performance.now() - t) / 1000),
      totalSeconds: Math.round((performance.now() - t0) / 1000),
    };
    console.log(JSON.stringify(result, null, 2));
    if (jsonOut !== '') await writeFile(jsonOut, JSON.stringify(result, null, 2) + '\n');
  } finally {
    await session.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? `finetune_tab: ${err.name}: ${err.message}` : err);
    process.exit(1);
  },
);
