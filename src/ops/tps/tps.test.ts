import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { registerAllKernels } from '../registry.ts';
import { gridSample } from '../grid_sample/grid_sample.ts';
import { invert, rareInitialFiducials, targetFiducials, tpsGrid, tpsMatrix, tpsMatrix64 } from './tps.ts';
import fixture from './fixtures/tps.json';

beforeAll(() => registerAllKernels());

describe('TPS constants', () => {
  it('inverts with partial pivoting', () => {
    // A zero on the diagonal needs a row swap.
    const a = Float64Array.from([0, 2, 1, 1, 1, 0, 3, 0, 1]);
    const inv = invert(a, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i * 3 + k]! * inv[k * 3 + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(() => invert(Float64Array.from([1, 2, 2, 4]), 2)).toThrow(/singular/);
  });

  it('maps the target fiducials to the output pixel centres (M·C = P)', () => {
    const [Ho, Wo] = [32, 100];
    const m = tpsMatrix64(Ho, Wo);
    const c = targetFiducials();
    let worst = 0;
    for (let h = 0; h < Ho; h++) {
      for (let w = 0; w < Wo; w++) {
        let x = 0;
        let y = 0;
        for (let k = 0; k < 20; k++) {
          x += m[(h * Wo + w) * 20 + k]! * c[k * 2]!;
          y += m[(h * Wo + w) * 20 + k]! * c[k * 2 + 1]!;
        }
        worst = Math.max(worst, Math.abs(x - ((2 * w + 1) / Wo - 1)), Math.abs(y - ((2 * h + 1) / Ho - 1)));
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('equals DTRB GridGenerator’s (P_hat·inv_delta_C)[:, :F]', () => {
    const small = fixture.cases[0]!;
    const m = tpsMatrix(small.height, small.width);
    const expected = small.matrix!.data;
    expect(m.length).toBe(expected.length);
    m.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected[i]!))));
  });

  it('has RARE’s initial fiducials (docs/models.md §6.1)', () => {
    const c = rareInitialFiducials();
    expect(Array.from(c.slice(0, 2))).toEqual([-1, 0]);
    expect(Array.from(c.slice(18, 20))).toEqual([1, -1]);
    expect(Array.from(c.slice(20, 22))).toEqual([-1, 1]);
    expect(Array.from(c.slice(38, 40))).toEqual([1, 0]);
  });
});

describe.each(['cpu', 'wasm'] as const)('tpsGrid on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('gives RARE’s initial band: corners as docs/models.md §6.1 states', async () => {
    const g = tpsGrid(tf.tensor3d(rareInitialFiducials(), [1, 20, 2]), 32, 100);
    expect(g.shape).toEqual([1, 32, 100, 2]);
    const v = await g.data();
    const at = (h: number, w: number): [number, number] => [v[(h * 100 + w) * 2]!, v[(h * 100 + w) * 2 + 1]!];
    const close = (a: [number, number], b: [number, number]): void => {
      expect(a[0]).toBeCloseTo(b[0], 2);
      expect(a[1]).toBeCloseTo(b[1], 2);
    };
    close(at(0, 0), [-0.99, 0.01]);
    close(at(0, 99), [0.99, -0.98]);
    close(at(31, 0), [-0.99, 0.98]);
    close(at(31, 99), [0.99, -0.01]);
  });

  it('rectifies through gridSample, and gradients reach the fiducials', () => {
    const before = tf.memory().numTensors;
    const image = tf.randomUniform([2, 8, 12, 1], 0, 1, 'float32', 1);
    const c = tf.tensor3d([...rareInitialFiducials(), ...targetFiducials()].map(Number), [2, 20, 2]);
    const grad = tf.grad((f: tf.Tensor) => gridSample(image, tpsGrid(f, 8, 12), { padding: 'border' }).sum())(c);
    expect(grad.shape).toEqual([2, 20, 2]);
    tf.dispose([image, c, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects fiducials of the wrong shape, naming the expected one', () => {
    expect(() => tpsGrid(tf.zeros([2, 10, 2]), 32, 100)).toThrow(/expected fiducials of shape \[B, 20, 2\], got \[2, 10, 2\]/);
    expect(() => tpsGrid(tf.zeros([2, 20, 2]), 0, 100)).toThrow(/positive integer/);
  });
});
