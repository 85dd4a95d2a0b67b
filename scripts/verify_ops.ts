/**
 * `npm run verify:ops`: every op check (src/ops/checks.ts) on every backend available here, summarised
 * as the max error per op × backend × direction against the PyTorch fixtures. Exits 1 if any check
 * exceeds its tolerance (or a backend that exists here fails to run them).
 *
 * Backends: cpu and wasm in this Node process; webgpu through Dawn (the `webgpu` package) on whatever
 * Vulkan device the system has. On a machine without a GPU, set
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json` (+ `LD_LIBRARY_PATH=/usr/lib/chromium`)
 * to check the WGSL kernels on SwiftShader; the script sets these itself when it finds Chromium's copy.
 * Usage: verify_ops.ts [--backend cpu,wasm,webgpu] [--op gridSample]
 */
import { parseArgs } from 'node:util';
import { rerunWithSwiftShader } from './swiftshader.ts';

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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { backend: { type: 'string', default: 'cpu,wasm,webgpu' }, op: { type: 'string' } },
  });
  const backends = values.backend.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (backends.includes('webgpu')) {
    const code = rerunWithSwiftShader();
    if (code !== null) return code;
  }
  const { loadNodeGpu } = await import('../cli/node_gpu.ts');
  const { initBackend } = await import('../src/runtime/backend.ts');
  const { registerAllKernels } = await import('../src/ops/registry.ts');
  const { runOpChecks } = await import('../src/ops/checks.ts');
  const { setFlags } = await import('../src/runtime/flags.ts');

  const { gpu, note } = backends.includes('webgpu') ? await loadNodeGpu() : { gpu: undefined, note: '' };
  setFlags({ autoAcceptSoftwareAdapter: true });
  registerAllKernels();

  const rows: Row[] = [];
  let failed = false;
  for (const name of backends) {
    if (name !== 'cpu' && name !== 'wasm' && name !== 'webgpu') {
      console.error(`unknown backend '${name}': expected cpu, wasm or webgpu`);
      return 2;
    }
    let adapter = '';
    try {
      const r = await initBackend(name, { gpu });
      adapter = r.adapter.adapter && name === 'webgpu' ? ` (${[r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter((s) => s).join(' ')})` : '';
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      console.log(`${name}: skipped: ${why}${note ? `; ${note}` : ''}`);
      if (name !== 'webgpu') failed = true;
      continue;
    }
    const t0 = performance.now();
    const results = await runOpChecks(values.op === undefined ? undefined : (c) => c.op === values.op);
    console.log(`${name}${adapter}: ${results.length} checks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const groups = new Map<string, Row>();
    for (const r of results) {
      const key = `${r.op}|${r.direction}`;
      const row = groups.get(key) ?? {
        op: r.op,
        backend: name,
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
        console.log(`  FAIL ${r.op} ${r.direction} ${r.name}: error ${fmt(r.error)} > ${fmt(r.tolerance)}`);
      }
      groups.set(key, row);
    }
    rows.push(...groups.values());
  }

  const header = ['op', 'backend', 'direction', 'cases', 'max error', 'tolerance', 'worst case', 'result'];
  const table = rows.map((r) => [r.op, r.backend, r.direction, String(r.cases), fmt(r.worst), fmt(r.tolerance), r.worstCase, r.pass ? 'ok' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log('');
  console.log(line(header));
  for (const t of table) console.log(line(t));
  if (rows.some((r) => !r.pass)) failed = true;
  console.log(failed ? '\nverify:ops FAILED' : '\nverify:ops: all checks within tolerance');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
