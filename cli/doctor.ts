/** `webstr doctor`: the capability report, as text or JSON. */
import type { CapabilityReport } from '../src/runtime/backend.ts';
import { startEngine } from '../src/ops/engine_node.ts';
import { JSON_OPTION, UsageError, backendArg, emitResult, jsonTarget, parseCommandArgs } from './usage.ts';

export function formatReport(r: CapabilityReport): string {
  const a = r.adapter;
  const lines = [
    `backend:    ${r.backend} (requested ${r.requested})`,
    `reason:     ${r.reason}`,
    `available:  ${r.available.join(', ')}`,
    `platform:   ${r.platform}, ${r.userAgent}, tfjs ${r.tfjsVersion}`,
    `wasm:       ${r.wasm.supported ? 'supported' : 'unsupported'}, threads ${r.wasm.threadsRequested ? 'requested' : 'off'}, cross-origin isolated ${String(r.wasm.crossOriginIsolated)}`,
  ];
  if (a.adapter) {
    lines.push(
      `webgpu:     ${[a.vendor, a.architecture, a.device, a.description].filter((s) => s !== '').join(' / ')}`,
      `            ${a.software ? `software adapter: ${a.softwareReason}` : 'hardware adapter'}`,
      `features:   ${a.features.join(', ') || '(none)'}`,
      `limits:     ${Object.entries(a.limits).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    );
  } else {
    lines.push(`webgpu:     unavailable: ${a.error}`);
  }
  for (const t of r.attempts.filter((t) => !t.ok)) lines.push(`failed:     ${t.backend}: ${t.error}`);
  return lines.join('\n');
}

export async function doctor(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { backend: { type: 'string', default: 'auto' }, ...JSON_OPTION });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const request = backendArg(values.backend);
  const json = jsonTarget(values.json);
  const { report } = await startEngine(request, { probeGpu: true });
  await emitResult(json, report, formatReport(report));
  return 0;
}
