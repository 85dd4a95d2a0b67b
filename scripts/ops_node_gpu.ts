/**
 * Runs the op checks on webgpu in Node through Dawn (quick iteration on WGSL without a browser).
 * Usage: LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *   node --import ./cli/register.mjs scripts/ops_node_gpu.ts [op ...]
 */
import { loadNodeGpu } from '../src/runtime/node_gpu.ts';
import { startEngineWith } from '../src/ops/engine.ts';
import { runOpChecks } from '../src/ops/checks.ts';
import { tf } from '../src/runtime/tf.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const ops = process.argv.slice(2);
const { gpu, note } = await loadNodeGpu();
if (gpu === undefined) throw new Error(`no WebGPU in Node: ${note}`);
const report = (await startEngineWith('webgpu', { gpu })).report;
console.log(`backend ${report.backend}: ${report.adapter.description || report.adapter.architecture}`);
const before = tf.memory().numTensors;
const results = await runOpChecks(ops.length > 0 ? (c) => ops.includes(c.op) : undefined);
let failed = 0;
for (const r of results) {
  console.log(`${r.backend.padEnd(7)} ${r.op.padEnd(14)} ${r.direction.padEnd(9)} ${r.name.padEnd(24)} ${r.error.toExponential(2)} ≤ ${r.tolerance.toExponential(0)} ${r.pass ? 'ok' : 'FAIL'}`);
  if (!r.pass) failed++;
}
console.log(`tensors leaked: ${tf.memory().numTensors - before}`);
process.exit(failed === 0 ? 0 : 1);
