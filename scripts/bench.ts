/**
 * `npm run bench -- <the webstr eval arguments>` (the contract in README.md): the same evaluation as
 * `webstr eval`, in headless Chromium through bench.html (build + vite preview + Playwright,
 * scripts/lib/browser.ts). The model file(s) and each LMDB `data.mdb` are handed to the page's file
 * inputs (`setInputFiles`), so the page reads them in place through File.slice (no copy into IndexedDB:
 * nothing to clean up, no quota, and the bytes the worker reads are the file's); a shard folder is served
 * to the page at a local URL by Playwright routing. Prints the same table; `--json [FILE.json]` gives the
 * same report (the CLI's convention: bare on stdout, else into the file).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isShippedModelName } from '../src/recognize/registry.ts';
import { EVAL_ARGS_USAGE, parseEvalArgs } from '../cli/eval_args.ts';
import { UsageError, emitResult } from '../cli/usage.ts';
import { checkThresholds, reportText } from '../src/eval/report.ts';
import type { BenchRunResult } from '../workers/bench_api.ts';
import type { DirectRunOptions } from '../src/ui/bench_runner.ts';
import { startBrowserSession } from './lib/browser.ts';
import { MAX_WORKERS } from '../src/eval/pool.ts';
import { modelFiles } from './lib/bench_model.ts';

const USAGE = `npm run bench -- ${EVAL_ARGS_USAGE} [--workers N] [--skip-build]`;

/** `--workers N` (browser only: the page's pool of bench workers; default one per core up to 4, one on webgpu). */
function takeWorkers(argv: string[]): { workers: number | undefined; rest: string[] } {
  let workers: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--workers') workers = argv[++i] ?? '';
    else if (a.startsWith('--workers=')) workers = a.slice('--workers='.length);
    else rest.push(a);
  }
  if (workers === undefined) return { workers: undefined, rest };
  const n = Number(workers);
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS)) throw new UsageError(`--workers: expected an integer in 1…${MAX_WORKERS}, got '${workers}'`);
  return { workers: n, rest };
}

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(`usage: ${USAGE}\n\nThe evaluation \`webstr eval\` runs, in headless Chromium through bench.html: the same options, table and --json report\n(\`webstr help eval\` describes them). --workers N: the page's pool of bench workers; --skip-build: use the last build.`);
    return 0;
  }
  const { workers, rest: argv } = takeWorkers(process.argv.slice(2));
  const skipBuild = argv.includes('--skip-build');
  const args = parseEvalArgs(argv.filter((a) => a !== '--skip-build'));
  const lmdb: { file: string; name: string }[] = [];
  const shardDirs: { dir: string; name: string }[] = [];
  const order: ('file' | 'url')[] = [];
  for (const d of args.data) {
    const isDir = statSync(d).isDirectory();
    if (isDir && existsSync(path.join(d, 'manifest.json'))) {
      const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as { name: string };
      shardDirs.push({ dir: d, name: m.name });
      order.push('url');
    } else {
      order.push('file');
      lmdb.push({ file: isDir ? path.join(d, 'data.mdb') : d, name: path.basename(isDir ? path.resolve(d) : path.dirname(path.resolve(d))) });
    }
  }
  const session = await startBrowserSession({ skipBuild, webgpu: true });
  try {
    const page = await session.browser.newPage();
    page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`[page console] ${m.text()}`);
    });
    await page.context().route('**/__bench_data/**', async (route) => {
      const m = /\/__bench_data\/(\d+)\/([\w.-]+)$/.exec(new URL(route.request().url()).pathname);
      const dir = m === null ? undefined : shardDirs[Number(m[1])];
      if (m === null || dir === undefined) return route.fulfill({ status: 404 });
      try {
        return await route.fulfill({ body: await readFile(path.join(dir.dir, m[2]!)), headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } });
      } catch {
        return route.fulfill({ status: 404 });
      }
    });
    await page.goto(new URL(`bench.html?backend=${encodeURIComponent(args.backend)}`, session.baseUrl).href);
    await page.waitForFunction(() => document.body.dataset.bench === 'idle' || document.body.dataset.runtime === 'error', undefined, { timeout: 120_000 });
    if ((await page.locator('body').getAttribute('data-runtime')) === 'error') throw new Error(`the page could not start backend '${args.backend}': ${await page.locator('#runtime').innerText()}`);
    const shipped = isShippedModelName(args.model);
    if (!shipped) await page.getByTestId('model-file').setInputFiles(modelFiles(args.model));
    await page.getByTestId('data-files').setInputFiles(lmdb.map((l) => l.file));
    const options: DirectRunOptions = {
      backend: args.backend,
      ...(shipped ? { model: args.model } : {}),
      ...(args.allow !== undefined ? { allow: args.allow } : {}),
      preset: args.preset,
      names: lmdb.map((l) => l.name),
      urls: shardDirs.map((s, i) => ({ url: `./__bench_data/${i}`, name: s.name })),
      order,
      limit: args.limit,
      shard: args.shard === undefined ? undefined : `${args.shard.index + 1}/${args.shard.count}`,
      filtering: args.filtering,
      batchSize: args.batchSize,
      ...(args.failures !== undefined ? { keepFailures: args.failures } : {}),
      workers,
    };
    const timer = setInterval(() => {
      void page
        .evaluate(() => window.webstrBench?.progress ?? null)
        .then((p) => {
          if (p !== null) console.error(`npm run bench: ${p.dataset} ${p.done}/${p.total} · all ${p.doneAll}/${p.totalAll} · ${p.wordsPerSecond.toFixed(1)} words/s · ETA ${Number.isFinite(p.etaSeconds) ? p.etaSeconds.toFixed(0) : '…'} s`);
        })
        .catch(() => undefined);
    }, 15_000);
    let result: BenchRunResult;
    try {
      result = await page.evaluate((o) => window.webstrBench!.runDirect(o), options);
    } finally {
      clearInterval(timer);
    }
    const rep = result.report;
    await emitResult(args.json, rep, reportText(rep));
    const failed = checkThresholds(rep, { minAccuracy: args.minAccuracy, maxDrop: args.maxDrop });
    for (const f of failed) console.error(`npm run bench: FAIL ${f}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`npm run bench: ${err.message} (usage: ${USAGE})`);
      process.exit(2);
    }
    console.error(err instanceof Error ? `npm run bench: ${err.name}: ${err.message}` : err);
    process.exit(1);
  },
);
