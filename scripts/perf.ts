/**
 * `npm run perf -- <benchmark> [options]`: performance measurements in headless Chromium through the
 * production pages (vite preview of dist/, built first if missing).
 *
 *   ingest [--dataset ic15_2077]... [--spp 1000] [--repeat 3] [--json]
 *       LMDB → IndexedDB through the bench page's dataset panel (ingest worker, File.slice reads, one
 *       transaction per shard): MB/s of the LMDB file and of the sample payload, samples/s.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium.ts';
import type { IngestResult } from '../src/data/ingest.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = process.env.WEBSTR_SHARED ?? path.resolve(ROOT, '../shared');

async function withPages<T>(body: (baseUrl: string) => Promise<T>): Promise<T> {
  if (!existsSync(path.join(ROOT, 'dist', 'bench.html'))) await build({ root: ROOT, logLevel: 'warn' });
  const server = await preview({ root: ROOT, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  try {
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error('vite preview did not report a URL');
    return await body(url);
  } finally {
    await new Promise<void>((res) => server.httpServer.close(() => res()));
  }
}

interface IngestRun {
  dataset: string;
  fileMB: number;
  payloadMB: number;
  samples: number;
  seconds: number;
  fileMBps: number;
  payloadMBps: number;
  samplesPerSecond: number;
}

async function ingest(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { dataset: { type: 'string', multiple: true }, spp: { type: 'string', default: '1000' }, 'block-kib': { type: 'string' }, repeat: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
  const datasets = values.dataset ?? ['ic15_2077', 'ic15_train_4468'];
  const runs: IngestRun[] = [];
  await withPages(async (base) => {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    try {
      for (const name of datasets) {
        const file = path.join(SHARED, 'data', 'lmdb', name, 'data.mdb');
        for (let r = 0; r < Number(values.repeat); r++) {
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.goto(`${base}bench.html?spp=${values.spp}${values['block-kib'] === undefined ? '' : `&blockKiB=${values['block-kib']}`}`);
          await page.locator('body[data-ingest="idle"]').waitFor();
          await page.getByTestId('dataset-name').fill(name);
          await page.getByTestId('lmdb-file').setInputFiles(file);
          await page.locator('body[data-ingest="done"], body[data-ingest="error"]').waitFor({ timeout: 300_000 });
          const state = await page.evaluate(() => window.webstrIngest);
          if (state?.error) throw new Error(`${state.error.name}: ${state.error.message}`);
          const res = state?.result as IngestResult;
          const fileBytes = res.manifest.source.bytes;
          const payload = res.manifest.stats.imageBytes + res.manifest.stats.labelBytes;
          runs.push({
            dataset: name,
            fileMB: fileBytes / 1e6,
            payloadMB: payload / 1e6,
            samples: res.manifest.sampleCount,
            seconds: res.seconds,
            fileMBps: fileBytes / 1e6 / res.seconds,
            payloadMBps: payload / 1e6 / res.seconds,
            samplesPerSecond: res.manifest.sampleCount / res.seconds,
          });
          const x = runs.at(-1)!;
          if (!values.json) console.log(`${name} run ${r + 1}: ${x.samples} samples, ${x.fileMB.toFixed(1)} MB file (${x.payloadMB.toFixed(1)} MB payload) in ${x.seconds.toFixed(2)} s: ${x.fileMBps.toFixed(1)} MB/s file, ${x.payloadMBps.toFixed(1)} MB/s payload, ${x.samplesPerSecond.toFixed(0)} samples/s (waiting on reads ${res.timings?.readSeconds.toFixed(2)} s, on writes ${res.timings?.writeWaitSeconds.toFixed(2)} s)`);
          await context.close();
        }
      }
    } finally {
      await browser.close();
    }
  });
  const best = datasets.map((d) => runs.filter((r) => r.dataset === d).reduce((a, b) => (b.fileMBps > a.fileMBps ? b : a)));
  if (values.json) console.log(JSON.stringify({ benchmark: 'ingest', browser: 'chromium', runs, best }));
  else for (const b of best) console.log(`best ${b.dataset}: ${b.fileMBps.toFixed(1)} MB/s (LMDB file), ${b.payloadMBps.toFixed(1)} MB/s payload, ${b.samplesPerSecond.toFixed(0)} samples/s — target ≥ 50 MB/s`);
  return 0;
}

const BENCHMARKS: Record<string, (args: string[]) => Promise<number>> = { ingest };

const [name, ...rest] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHMARKS[name];
if (bench === undefined) {
  console.error(`usage: npm run perf -- <${Object.keys(BENCHMARKS).join('|')}> [options]`);
  process.exitCode = 2;
} else process.exitCode = await bench(rest);
