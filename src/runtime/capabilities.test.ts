import { describe, expect, it } from 'vitest';
import { classifyAdapter, probeWebGPU, type GpuLike } from './capabilities.ts';

const base = { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false };

describe('classifyAdapter', () => {
  it('flags SwiftShader by architecture and by the fallback bit, naming both', () => {
    const r = classifyAdapter({ ...base, vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
    expect(r.software).toBe(true);
    expect(r.reason).toContain("'swiftshader'");
    expect(r.reason).toContain('fallback');
  });
  it('flags llvmpipe/lavapipe by description', () => {
    expect(classifyAdapter({ ...base, description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
  });
  it('accepts a hardware adapter', () => {
    const r = classifyAdapter({ ...base, vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' });
    expect(r).toEqual({ software: false, reason: '' });
  });
});

describe('probeWebGPU', () => {
  it('reports a missing API', async () => {
    const r = await probeWebGPU(undefined);
    expect(r.api).toBe(false);
    expect(r.error).toContain('not present');
  });
  it('reports no adapter and a throwing requestAdapter', async () => {
    const none: GpuLike = { requestAdapter: () => Promise.resolve(null) };
    expect((await probeWebGPU(none)).error).toContain('no adapter');
    const throws: GpuLike = { requestAdapter: () => Promise.reject(new Error('boom')) };
    expect((await probeWebGPU(throws)).error).toContain('boom');
  });
  it('reads info, limits and features from an adapter', async () => {
    const adapter = {
      info: { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader', isFallbackAdapter: true },
      limits: { maxBufferSize: 1024, maxComputeInvocationsPerWorkgroup: 256 },
      features: new Set(['timestamp-query', 'shader-f16']),
    } as unknown as GPUAdapter;
    const r = await probeWebGPU({ requestAdapter: () => Promise.resolve(adapter) });
    expect(r.adapter).toBe(true);
    expect(r.software).toBe(true);
    expect(r.features).toEqual(['shader-f16', 'timestamp-query']);
    expect(r.limits).toEqual({ maxBufferSize: 1024, maxComputeInvocationsPerWorkgroup: 256 });
  });
});
