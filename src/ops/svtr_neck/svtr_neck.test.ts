import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { buildStages } from '../../models/model.ts';
import { initParams } from '../../models/params.ts';
import { getPreset } from '../../models/presets.ts';
import { canFuseSvtrNeck, setSvtrNeckFusionEnabled, svtrNeckFused } from './svtr_neck.ts';

// The neck of ppocr-v4 (C 480 → hidden 120, 2 blocks of 8 heads, dims 120): the fused kernel against the
// stage's own tf ops, on random parameters with BatchNorm statistics that are not the identity.

beforeAll(() => registerAllKernels());
afterAll(() => setSvtrNeckFusionEnabled(true));

function neckParams(seed: number): ReturnType<typeof initParams> {
  const st = buildStages(getPreset('ppocr-v4'));
  const params = initParams(st.sequence.specs, seed);
  // Non-trivial BatchNorm statistics and LayerNorm affines, so folding and every affine show (Paddle's names:
  // .w_0 scale, .b_0 offset, .w_1 mean, .w_2 variance; a LayerNorm's .w_0 and .b_0; a Linear's bias .b_0).
  for (const [name, t] of params) {
    if (/\.w_[02]$/.test(name) && t.rank === 1) params.set(name, tf.tidy(() => tf.add(tf.abs(tf.randomNormal(t.shape, 1, 0.3, 'float32', seed + name.length)), 0.1)));
    else if (/\.(b_0|w_1)$/.test(name) && t.rank === 1) params.set(name, tf.randomNormal(t.shape, 0, 0.2, 'float32', seed + 3 * name.length));
    if (params.get(name) !== t) t.dispose();
  }
  return params;
}

describe.each(['cpu', 'wasm'] as const)('svtrNeckFused on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { gpu: undefined });
  });

  it('computes what the SVTR neck’s tf ops compute (T 1, 5, 16, 40; batch 1 and 3)', () => {
    const st = buildStages(getPreset('ppocr-v4'));
    const params = neckParams(7);
    const neck = st.sequence.compile(params);
    expect(canFuseSvtrNeck()).toBe(true);
    for (const [T, B] of [[16, 1], [40, 3], [5, 2], [1, 1]] as const) {
      const x = tf.randomNormal([T, B, 480], 0, 1, 'float32', T + B);
      setSvtrNeckFusionEnabled(false);
      const want = neck.apply(x);
      setSvtrNeckFusionEnabled(true);
      const before = tf.memory().numTensors;
      const got = neck.apply(x);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(got.shape).toEqual([T, B, 120]);
      const w = want.dataSync();
      const g = got.dataSync();
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < w.length; i++) {
        worst = Math.max(worst, Math.abs(w[i]! - g[i]!));
        scale = Math.max(scale, Math.abs(w[i]!));
      }
      expect(scale, `T ${T} B ${B}`).toBeGreaterThan(0.1); // a real signal, not all zeros
      expect(worst / scale, `T ${T} B ${B}`).toBeLessThan(2e-5);
      tf.dispose([x, want, got]);
    }
    neck.dispose();
    tf.dispose([...params.values()]);
  });

  it('rejects wrong shapes with a named error and stays off under a gradient tape', () => {
    const params = neckParams(8);
    const st = buildStages(getPreset('ppocr-v4'));
    const neck = st.sequence.compile(params);
    const x = tf.zeros([4, 1, 480]);
    const bad = tf.zeros([4, 1, 479]);
    // The stage hands its own weights; a wrong input width is caught before the kernel runs.
    expect(() => neck.apply(bad)).toThrow(InvalidArgumentError);
    expect(() => svtrNeckFused(x, { convs: [], blocks: [], norm: [x, x] }, { heads: 8, kernel: 3, lnEps: 1e-5, finalLnEps: 1e-6 })).toThrow(/expected 5 convs/);
    let taped = true;
    tf.grad((v: Tensor) => {
      taped = canFuseSvtrNeck();
      return tf.sum(v);
    })(tf.ones([1])).dispose();
    expect(taped).toBe(false);
    tf.dispose([x, bad]);
    neck.dispose();
    tf.dispose([...params.values()]);
  });
});
