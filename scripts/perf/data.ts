/**
 * Data-layer perf suites (`npm run perf -- ingest|reader [options]`).
 *
 *   ingest [--dataset ic15_2077]... [--spp 1000] [--block-kib 2048] [--repeat 3] [--json]
 *       LMDB → IndexedDB in headless Chromium through the bench page's dataset panel (ingest worker,
 *       File.slice reads, one transaction per shard; scripts/lib/browser.ts builds and serves the pages;
 *       WEBSTR_SKIP_BUILD=1 reuses dist/): MB/s of the LMDB file and of the sample payload, samples/s,
 *       and File.slice alone over the same file for scale.
 *   reader [--dataset iiit5k_3000]... [--repeat 3] [--json]
 *       The LMDB reader alone in Node: sample(i) in index order and an ordered walk, MB/s of the file.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { IngestResult } from '../../src/data/ingest.ts';
import { startBrowserSession } from '../lib/browser.ts';
import type { PerfContext } from './common.ts';
import { LMDB_DIR } from '../../src/testing/shared.ts';

interface IngestRun {
  dataset: string;
  fileMB: number;
  payloadMB: number;
  samples: number;
  seconds: number;
  fileMBps: number;
  payloadMBps: number;
  samplesPerSecond: number;
  /** File.slice() alone over the same file, for scale. */
  rawSliceMBps: number;
}

export async function ingestSuite(ctx: PerfContext): Promise<number> {
  const args = ctx.args;
  const { values } = parseArgs({ args, options: { dataset: { type: 'string', multiple: true }, spp: { type: 'string', default: '1000' }, 'block-kib': { type: 'string' }, repeat: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
  const datasets = values.dataset ?? ['ic15_2077', 'ic15_train_4468'];
  const runs: IngestRun[] = [];
  const session = await startBrowserSession({ skipBuild: process.env.WEBSTR_SKIP_BUILD === '1' });
  const { browser, baseUrl: base } = session;
  {
    try {
      for (const name of datasets) {
        const file = path.join(LMDB_DIR, name, 'data.mdb');
        for (let r = 0; r < Number(values.repeat); r++) {
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.goto(`${base}bench.html?spp=${values.spp}${values['block-kib'] === undefined ? '' : `&blockKiB=${values['block-kib']}`}`);
          await page.locator('body[data-ingest="idle"]').waitFor();
          await page.getByTestId('dataset-name').fill(name);
          await page.getByTestId('lmdb-file').setInputFiles(file);
          await page.locator('body[data-ingest="done"], body[data-ingest="error"]').waitFor({ timeout: 300_000 });
          // The ceiling on this machine: reading the same File in 2 MiB slices and nothing else.
          const rawMBps = await page.evaluate(async () => {
            const f = (document.querySelector('[data-testid=lmdb-file]') as HTMLInputElement).files![0]!;
            const t0 = performance.now();
            for (let o = 0; o < f.size; o += 2 << 20) await f.slice(o, o + (2 << 20)).arrayBuffer();
            return f.size / 1e6 / ((performance.now() - t0) / 1000);
          });
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
            rawSliceMBps: rawMBps,
          });
          const x = runs.at(-1)!;
          if (!values.json) console.log(`${name} run ${r + 1}: ${x.samples} samples, ${x.fileMB.toFixed(1)} MB file (${x.payloadMB.toFixed(1)} MB payload) in ${x.seconds.toFixed(2)} s: ${x.fileMBps.toFixed(1)} MB/s file, ${x.payloadMBps.toFixed(1)} MB/s payload, ${x.samplesPerSecond.toFixed(0)} samples/s (waiting on reads ${res.timings?.readSeconds.toFixed(2)} s, on writes ${res.timings?.writeWaitSeconds.toFixed(2)} s; File.slice alone ${x.rawSliceMBps.toFixed(0)} MB/s)`);
          await context.close();
        }
      }
    } finally {
      await session.close();
    }
  }
  const best = datasets.map((d) => runs.filter((r) => r.dataset === d).reduce((a, b) => (b.fileMBps > a.fileMBps ? b : a)));
  if (values.json) console.log(JSON.stringify({ benchmark: 'ingest', browser: 'chromium', runs, best }));
  else for (const b of best) console.log(`best ${b.dataset}: ${b.fileMBps.toFixed(1)} MB/s (LMDB file), ${b.payloadMBps.toFixed(1)} MB/s payload, ${b.samplesPerSecond.toFixed(0)} samples/s — target ≥ 50 MB/s`);
  return 0;
}

/** LMDB reader throughput in Node (file handle + block cache): samples in index order, then a full ordered walk. */
export async function readerSuite(ctx: PerfContext): Promise<number> {
  const args = ctx.args;
  const { values } = parseArgs({ args, options: { dataset: { type: 'string', multiple: true }, repeat: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
  const { openFileByteSource } = await import('../../src/data/node_source.ts');
  const { openDtrbDataset } = await import('../../src/data/dtrb.ts');
  const datasets = values.dataset ?? ['iiit5k_3000', 'svt_647', 'ic15_2077', 'ic15_train_4468'];
  const rows = [];
  for (const name of datasets) {
    for (let r = 0; r < Number(values.repeat); r++) {
      const src = await openFileByteSource(path.join(LMDB_DIR, name, 'data.mdb'));
      const ds = await openDtrbDataset(src);
      let t0 = performance.now();
      let bytes = 0;
      for await (const s of ds.samples()) bytes += s.image.length;
      const samplesS = (performance.now() - t0) / 1000;
      t0 = performance.now();
      let entries = 0;
      for await (const [, v] of ds.reader.entries()) entries += v.length >= 0 ? 1 : 0;
      const walkS = (performance.now() - t0) / 1000;
      await src.close();
      const row = { dataset: name, samples: ds.count, fileMB: src.size / 1e6, imageMB: bytes / 1e6, samplesMBps: src.size / 1e6 / samplesS, samplesPerSecond: ds.count / samplesS, walkMBps: src.size / 1e6 / walkS, entries };
      rows.push(row);
      if (!values.json) console.log(`${name} run ${r + 1}: sample(i) ×${row.samples}: ${row.samplesMBps.toFixed(0)} MB/s, ${row.samplesPerSecond.toFixed(0)} samples/s; ordered walk of ${entries} entries: ${row.walkMBps.toFixed(0)} MB/s`);
    }
  }
  if (values.json) console.log(JSON.stringify({ benchmark: 'reader', runtime: `node ${process.version}`, rows }));
  return 0;
}
