/**
 * The RARE/TRBA/SPIN/CRNN `.pth` oracle fixtures on webgpu in Node through Dawn (SwiftShader here):
 * logits and rectified image vs PyTorch, decoded strings.
 * Usage: LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *   node --import ./cli/register.mjs scripts/models_node_gpu.ts [preset ...]
 */
import { loadNodeGpu } from '../src/runtime/node_gpu.ts';
import { startEngineWith } from '../src/ops/engine.ts';
import { FIXTURE_PRESETS, runModelFixture } from '../src/testing/model_fixtures.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const presets = process.argv.slice(2);
const { gpu, note } = await loadNodeGpu();
if (gpu === undefined) throw new Error(`no WebGPU in Node: ${note}`);
const report = (await startEngineWith('webgpu', { gpu })).report;
console.log(`backend ${report.backend}: ${report.adapter.description || report.adapter.architecture}`);
let failed = 0;
for (const p of presets.length > 0 ? presets : FIXTURE_PRESETS) {
  const t0 = performance.now();
  const r = await runModelFixture(p);
  const ok = r.dLogits <= 1e-4 && r.dRectified <= 1e-3 && JSON.stringify(r.strings) === JSON.stringify(r.expected);
  if (!ok) failed++;
  console.log(
    `${r.backend} ${p.padEnd(10)} logits max|Δ| ${r.dLogits.toExponential(2)}  rectified max|Δ| ${r.dRectified.toExponential(2)}  strings ${r.strings.join(',') === r.expected.join(',') ? 'equal' : `DIFFER ${JSON.stringify(r.strings)} vs ${JSON.stringify(r.expected)}`}  ${((performance.now() - t0) / 1000).toFixed(1)} s  ${ok ? 'ok' : 'FAIL'}`,
  );
}
process.exit(failed === 0 ? 0 : 1);
