import { describe, expect, it } from 'vitest';
import { emptyAdapterReport, type AdapterReport } from './capabilities.ts';
import { initBackend, parseBackendRequest, planBackends } from './backend.ts';
import { BackendUnavailableError, InvalidArgumentError } from './errors.ts';
import { tf } from './tf.ts';

const none = emptyAdapterReport(true, 'requestAdapter() returned no adapter');
const adapter = (software: boolean): AdapterReport => ({
  ...none,
  adapter: true,
  error: '',
  vendor: software ? 'google' : 'nvidia',
  architecture: software ? 'swiftshader' : 'hopper',
  software,
  softwareReason: software ? "architecture 'swiftshader' (a CPU emulator)" : '',
});

describe('planBackends', () => {
  it('auto: a hardware adapter gives webgpu first', () => {
    const p = planBackends('auto', adapter(false), true);
    expect(p.candidates).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(p.reason).toContain('hardware WebGPU adapter');
  });
  it('auto: a software adapter gives wasm, and says so', () => {
    const p = planBackends('auto', adapter(true), true);
    expect(p.candidates).toEqual(['wasm', 'cpu']);
    expect(p.reason).toContain('software WebGPU adapter');
    expect(p.reason).toContain('swiftshader');
  });
  it('auto: a software adapter is accepted only when the flag says so', () => {
    expect(planBackends('auto', adapter(true), true, true).candidates[0]).toBe('webgpu');
  });
  it('auto: no adapter gives wasm, and cpu when there is no WebAssembly', () => {
    expect(planBackends('auto', none, true).candidates).toEqual(['wasm', 'cpu']);
    expect(planBackends('auto', none, false).candidates).toEqual(['cpu']);
  });
  it('explicit requests are tried alone, never silently replaced', () => {
    expect(planBackends('webgpu', none, true).candidates).toEqual(['webgpu']);
  });
});

describe('parseBackendRequest', () => {
  it('accepts the four names and rejects others with the list', () => {
    expect(parseBackendRequest('auto')).toBe('auto');
    expect(() => parseBackendRequest('webgl')).toThrow(InvalidArgumentError);
    expect(() => parseBackendRequest('webgl')).toThrow(/auto, webgpu, wasm, cpu/);
  });
});

describe('initBackend in Node', () => {
  it('auto with no GPU entry point starts wasm and reports why', async () => {
    const r = await initBackend('auto', { gpu: undefined });
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.reason).toContain('no WebGPU adapter');
    expect(r.available).toEqual(['wasm', 'cpu']);
  });
  it('explicit cpu starts cpu', async () => {
    expect((await initBackend('cpu', { gpu: undefined })).backend).toBe('cpu');
  });
  it('explicit webgpu without an adapter throws BackendUnavailableError listing what is available', async () => {
    const gpu = { requestAdapter: () => Promise.resolve(null) };
    const err = await initBackend('webgpu', { gpu }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).available).toEqual(['wasm', 'cpu']);
    expect((err as Error).message).toMatch(/Available here: wasm, cpu/);
  });
});
