import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { registerAllKernels } from './registry.ts';
import { allOpChecks, maxError } from './checks.ts';

beforeAll(() => registerAllKernels());

describe('maxError', () => {
  it('is absolute for small values and relative for large ones', () => {
    expect(maxError([0.5], [0.5001])).toBeCloseTo(1e-4, 8);
    expect(maxError([1000.1], [1000])).toBeCloseTo(1e-4, 8);
  });
  it('treats NaN and length mismatch as infinite error', () => {
    expect(maxError([NaN], [1])).toBe(Infinity);
    expect(maxError([1, 2], [1])).toBe(Infinity);
  });
});

// Every op against its PyTorch fixture on both software backends (webgpu runs in e2e/ops.spec.ts).
describe.each(['cpu', 'wasm'] as const)('op fixtures on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  it.each(allOpChecks().map((c) => [`${c.op} ${c.direction} ${c.name}`, c] as const))('%s', async (_, check) => {
    const before = tf.memory().numTensors;
    const err = await check.run();
    expect(err).toBeLessThanOrEqual(check.tolerance);
    expect(tf.memory().numTensors).toBe(before);
  });
});
