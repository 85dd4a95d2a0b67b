import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CapabilityReport } from '../src/runtime/backend.ts';

const run = promisify(execFile);
const bin = new URL('./webstr.mjs', import.meta.url).pathname;
// No Vulkan loader in the child: the machine-independent answer (CI has none either).
const env = { ...process.env, LD_LIBRARY_PATH: '', VK_ICD_FILENAMES: '' };

describe('webstr doctor (the installed bin, end to end)', () => {
  it('prints the capability report as JSON and picks wasm without a GPU', async () => {
    const { stdout } = await run('node', [bin, 'doctor', '--json'], { env });
    const report = JSON.parse(stdout) as CapabilityReport;
    expect(report.platform).toBe('node');
    expect(report.backend).toBe('wasm');
    expect(report.reason).toContain('no WebGPU adapter');
    expect(report.available).toContain('cpu');
  });

  it('prints a readable report', async () => {
    const { stdout } = await run('node', [bin, 'doctor', '--backend', 'cpu'], { env });
    expect(stdout).toMatch(/^backend: +cpu \(requested cpu\)/m);
    expect(stdout).toMatch(/^reason: +requested explicitly/m);
  });

  it('exits 1 with the named error when the backend cannot start', async () => {
    const err = (await run('node', [bin, 'doctor', '--backend', 'webgpu'], { env }).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain("BackendUnavailableError: backend 'webgpu' is not available");
    expect(err.stderr).toContain('Available here: wasm, cpu');
  });

  it('exits 2 on an unknown command or backend, naming the choices', async () => {
    const a = (await run('node', [bin, 'frobnicate'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('commands: doctor');
    const b = (await run('node', [bin, 'doctor', '--backend', 'metal'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--backend: unknown backend 'metal'");
  });
});
