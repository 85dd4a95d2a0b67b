import { describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { startEngine } from './engine_node.ts';
import { KERNELS } from './registry.ts';

describe('startEngine (Node)', () => {
  it('registers the project kernels and starts the backend asked for', async () => {
    const { report, init } = await startEngine('cpu');
    expect(report.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(init.gpu).toBeUndefined();
    for (const k of KERNELS.filter((k) => k.backendName === 'cpu')) expect(tf.getKernel(k.kernelName, 'cpu')).toBeDefined();
  });

  it('refuses an unknown backend by name', async () => {
    await expect(startEngine('gpu')).rejects.toMatchObject({ name: 'InvalidArgumentError' });
  });
});
