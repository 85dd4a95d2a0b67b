import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { registerAllKernels } from './registry.ts';
import { gridSample } from './grid_sample/grid_sample.ts';

beforeAll(() => registerAllKernels());

// A twin kernel whose output is far larger than the wasm heap's headroom: allocating it grows the heap,
// which detaches views taken before. writeF32 hands out input views only after allocating.
describe('wasm twin kernels survive heap growth during output allocation', () => {
  it('a 2000×2000 grid over a tiny image gives the cpu result on wasm', async () => {
    const image = () => tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const grid = () => tf.randomUniform([1, 2000, 2000, 2], -1, 1, 'float32', 3);
    await initBackend('cpu');
    const expected = await tf.tidy(() => gridSample(image(), grid(), { alignCorners: true, padding: 'zeros' })).data();
    await initBackend('wasm');
    const actual = await tf.tidy(() => gridSample(image(), grid(), { alignCorners: true, padding: 'zeros' })).data();
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-5);
  });
});
