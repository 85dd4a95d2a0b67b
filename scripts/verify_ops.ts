/**
 * `npm run verify:ops`: every op check (src/ops/checks.ts) on every backend, summarised as the max
 * error per op × backend × direction against the PyTorch fixtures. Exits 1 if any check exceeds its
 * tolerance, or a backend that was asked for cannot run them.
 *
 * cpu and wasm run in this Node process. webgpu runs, by default, in headless Chromium: the production
 * build's self-test page (selftest.html?backend=webgpu) runs the same checks in its worker
 * (scripts/lib/browser.ts; on a machine without a GPU that is SwiftShader). `--webgpu node` runs them
 * here instead, through Dawn (the `webgpu` package; SwiftShader is set up by ./swiftshader.ts when the
 * system has no Vulkan) — fast for iterating on WGSL. `--webgpu none` skips the column.
 * Usage: verify_ops.ts [--backend cpu,wasm,webgpu] [--op gridSample] [--webgpu chromium|node|none] [--skip-build]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CheckResult } from '../src/ops/checks.ts';
import { rerunWithSwiftShader } from './swiftshader.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

interface Row {
  op: string;
  backend: string;
  direction: string;
  cases: number;
  worst: number;
  worstCase: string;
  tolerance: number;
  pass: boolean;
}

function fmt(e: number): string {
  return e === 0 ? '0' : e.toExponential(2);
}

/** One row per op × direction: the worst error over the cases, and whether all passed. */
function summarise(backend: string, results: CheckResult[]): Row[] {
  const groups = new Map<string, Row>();
  for (const r of results) {
    const key = `${r.op}|${r.direction}`;
    const row = groups.get(key) ?? {
      op: r.op,
      backend,
      direction: r.direction,
      cases: 0,
      worst: 0,
      worstCase: '',
      tolerance: r.tolerance,
      pass: true,
    };
    row.cases++;
    if (!(r.error <= row.worst)) {
      row.worst = r.error;
      row.worstCase = r.name;
    }
    row.tolerance = Math.max(row.tolerance, r.tolerance);
    if (!r.pass) {
      row.pass = false;
      console.log(`  FAIL ${backend} ${r.op} ${r.direction} ${r.name}: error ${fmt(r.error)} > ${fmt(r.tolerance)}`);
    }
    groups.set(key, row);
  }
  return [...groups.values()];
}

/** The webgpu column from the self-test page in headless Chromium; null (and a line why) if it did not run. */
async function chromiumWebgpu(op: string | undefined, skipBuild: boolean): Promise<CheckResult[] | null> {
  const { startBrowserSession } = await import('./lib/browser.ts');
  const t0 = performance.now();
  const session = await startBrowserSession({ skipBuild });
  try {
    const page = await session.open('selftest.html?backend=webgpu');
    await page.waitForSelector('body[data-selftest]', { timeout: 600_000 });
    const got = await page.evaluate(() => window.webstrSelftest ?? null);
    const runtime = await page.locator('#runtime').innerText().catch(() => '');
    if (got === null || got.backend !== 'webgpu' || got.results.length === 0) {
      console.log(`webgpu (chromium): did not run: ${runtime.replace(/\s+/g, ' ').slice(0, 300)}`);
      return null;
    }
    const results = got.results.filter((r) => op === undefined || r.op === op);
    console.log(`webgpu (chromium self-test page): ${results.length} checks, ${((performance.now() - t0) / 1000).toFixed(1)} s with the build`);
    return results;
  } finally {
    await session.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'cpu,wasm,webgpu' },
      op: { type: 'string' },
      webgpu: { type: 'string', default: existsSync('/usr/bin/chromium') ? 'chromium' : 'node' },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const backends = values.backend.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const b of backends) {
    if (b !== 'cpu' && b !== 'wasm' && b !== 'webgpu') {
      console.error(`unknown backend '${b}': expected cpu, wasm or webgpu`);
      return 2;
    }
  }
  if (!['chromium', 'node', 'none'].includes(values.webgpu)) {
    console.error(`unknown --webgpu '${values.webgpu}': expected chromium, node or none`);
    return 2;
  }
  const webgpuIn = backends.includes('webgpu') ? values.webgpu : 'none';
  if (webgpuIn === 'node') {
    const code = rerunWithSwiftShader();
    if (code !== null) return code;
  }
  const { loadNodeGpu } = await import('../src/runtime/node_gpu.ts');
  const { startEngineWith } = await import('../src/ops/engine.ts');
  const { runOpChecks } = await import('../src/ops/checks.ts');
  const { setFlags } = await import('../src/runtime/flags.ts');

  const { gpu, note } = webgpuIn === 'node' ? await loadNodeGpu() : { gpu: undefined, note: '' };
  setFlags({ autoAcceptSoftwareAdapter: true });

  const rows: Row[] = [];
  let failed = false;
  for (const name of backends) {
    if (name === 'webgpu' && webgpuIn !== 'node') continue;
    let label: string = name;
    try {
      const r = (await startEngineWith(name, { gpu })).report;
      const a = r.adapter;
      if (name === 'webgpu') label = `webgpu (node, Dawn: ${[a.vendor, a.architecture, a.description].filter((s) => s).join(' ')})`;
    } catch (err) {
      console.log(`${name}: did not start: ${err instanceof Error ? err.message : String(err)}${note ? `; ${note}` : ''}`);
      failed = true;
      continue;
    }
    const t0 = performance.now();
    const results = await runOpChecks(values.op === undefined ? undefined : (c) => c.op === values.op);
    console.log(`${label}: ${results.length} checks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    rows.push(...summarise(name, results));
  }
  if (webgpuIn === 'chromium') {
    const results = await chromiumWebgpu(values.op, values['skip-build']);
    if (results === null) failed = true;
    else rows.push(...summarise('webgpu', results));
  }

  const header = ['op', 'backend', 'direction', 'cases', 'max error', 'tolerance', 'worst case', 'result'];
  const ops = [...new Set(rows.map((r) => r.op))];
  rows.sort((a, b) => ops.indexOf(a.op) - ops.indexOf(b.op));
  const table = rows.map((r) => [r.op, r.backend, r.direction, String(r.cases), fmt(r.worst), fmt(r.tolerance), r.worstCase, r.pass ? 'ok' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log('');
  console.log(line(header));
  for (const t of table) console.log(line(t));
  if (rows.some((r) => !r.pass)) failed = true;
  console.log(failed ? '\nverify:ops FAILED' : `\nverify:ops: all ${rows.reduce((n, r) => n + r.cases, 0)} checks within tolerance`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
