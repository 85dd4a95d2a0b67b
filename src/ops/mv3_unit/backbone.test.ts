import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { canFuseMv3Backbone, mv3Backbone, packMv3Backbone, setMv3BackboneFusionEnabled, type Mv3BackboneSpec } from './backbone.ts';
import { MobileNetV3 } from '../../models/backbones/mobilenetv3.ts';
import type { MobileNetV3Config } from '../../models/config.ts';
import { initParams } from '../../models/params.ts';
import { getPreset } from '../../models/presets.ts';
import { expectInferenceOnWasmOnly } from '../../testing/fusion_switch.ts';

/** A small spec with every kind of unit (SE or not, residual or not, strides (2, 1) and 2, kernels 3 and 5). */
function smallSpec(seed: number): Mv3BackboneSpec {
  const r = (shape: number[], s: number, std = 0.3): Tensor => tf.randomNormal(shape, 0, std, 'float32', seed + s);
  const conv = (cin: number, cout: number, s: number) => ({ filter: r([1, 1, cin, cout], s), bias: r([cout], s + 1) });
  const unit = (cin: number, e: number, cout: number, k: number, stride: [number, number], se: boolean, act: 'relu' | 'hardswish', residual: boolean, s: number) => {
    const p = Math.floor(k / 2);
    return {
      expand: conv(cin, e, s),
      depthwise: { filter: r([k, k, e, 1], s + 2), bias: r([e], s + 3), stride, pad: [p, p, p, p] as [number, number, number, number] },
      se: se ? { w1: conv(e, e >> 2, s + 4), w2: conv(e >> 2, e, s + 6) } : null,
      linear: conv(e, cout, s + 8),
      act,
      residual,
    };
  };
  return {
    stem: { filter: r([3, 3, 3, 8], 0), bias: r([8], 1), stride: [2, 2], pad: [1, 1, 1, 1], act: 'hardswish' },
    units: [
      unit(8, 16, 8, 3, [1, 1], true, 'relu', true, 10),
      unit(8, 20, 12, 3, [2, 1], false, 'relu', false, 20),
      unit(12, 36, 12, 5, [1, 1], true, 'hardswish', true, 30),
      unit(12, 24, 16, 5, [2, 2], true, 'hardswish', false, 40),
    ],
    last: { ...conv(16, 40, 50), act: 'hardswish' },
    pool: [2, 2],
  };
}

const tensorsOf = (s: Mv3BackboneSpec): Tensor[] => [
  s.stem.filter,
  s.stem.bias,
  s.last.filter,
  s.last.bias,
  ...s.units.flatMap((u) => [u.expand.filter, u.expand.bias, u.depthwise.filter, u.depthwise.bias, u.linear.filter, u.linear.bias, ...(u.se === null ? [] : [u.se.w1.filter, u.se.w1.bias, u.se.w2.filter, u.se.w2.bias])]),
];

function closeness(got: Tensor, want: Tensor): { worst: number; scale: number } {
  const [a, b] = [got.dataSync(), want.dataSync()];
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { worst, scale };
}

describe('mv3Backbone on wasm', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it.each([
    [1, 8],
    [2, 8],
    [1, 13],
    [1, 100],
    [2, 172],
    [1, 320],
  ])("gives the per-unit kernels' output (float32 rounding of the stem at most): crnn-mv3-en, batch %i, width %i", (b, w) => {
    const bb = new MobileNetV3(getPreset('crnn-mv3-en').backbone as MobileNetV3Config);
    const params = initParams(bb.specs, 7);
    const stage = bb.compile(params);
    const x = tf.randomUniform([b, 32, w, 3], -1, 1, 'float32', w);
    setMv3BackboneFusionEnabled(false);
    const want = stage.apply(x);
    setMv3BackboneFusionEnabled(true);
    const before = tf.memory().numTensors;
    const got = stage.apply(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(got.shape).toEqual(want.shape);
    expect(got.shape).toEqual([b, 1, Math.floor(Math.ceil(w / 2) / 2), 288]);
    const { worst, scale } = closeness(got, want);
    expect(scale).toBeGreaterThan(0.01);
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    tf.dispose([x, got, want, ...params.values()]);
    stage.dispose();
  });

  it.each([
    [1, 16, 24],
    [2, 21, 35],
  ])('gives the per-unit kernels\' output for a spec with every kind of unit: x [%i, %i, %i, 3]', (b, h, w) => {
    const spec = smallSpec(3);
    const x = tf.randomUniform([b, h, w, 3], -1, 1, 'float32', h);
    // The same backbone through tfjs ops and the one-unit kernel (what mobilenetv3.ts runs without this kernel).
    const want = tf.tidy(() => {
      const hs = (t: Tensor): Tensor => tf.div(tf.mul(t, tf.relu6(tf.add(t, 3))), 6);
      let y = hs(tf.conv2d(x as tf.Tensor4D, spec.stem.filter as tf.Tensor4D, 2, 1).add(spec.stem.bias));
      for (const u of spec.units) {
        const act = u.act === 'relu' ? tf.relu : hs;
        let e: Tensor = act(tf.conv2d(y as tf.Tensor4D, u.expand.filter as tf.Tensor4D, 1, 0).add(u.expand.bias));
        const p = u.depthwise.pad[0];
        e = tf.pad(e, [[0, 0], [p, p], [p, p], [0, 0]]);
        let d: Tensor = tf.depthwiseConv2d(e as tf.Tensor4D, u.depthwise.filter as tf.Tensor4D, 1, 'valid');
        d = tf.stridedSlice(d, [0, 0, 0, 0], d.shape, [1, u.depthwise.stride[0], u.depthwise.stride[1], 1]);
        d = act(d.add(u.depthwise.bias));
        if (u.se !== null) {
          const s = tf.relu(tf.conv2d(tf.mean<tf.Tensor4D>(d, [1, 2], true), u.se.w1.filter as tf.Tensor4D, 1, 0).add(u.se.w1.bias));
          const g = tf.clipByValue(tf.conv2d(s as tf.Tensor4D, u.se.w2.filter as tf.Tensor4D, 1, 0).add(u.se.w2.bias).mul(0.2).add(0.5), 0, 1);
          d = tf.mul(d, g);
        }
        const out = tf.conv2d(d as tf.Tensor4D, u.linear.filter as tf.Tensor4D, 1, 0).add(u.linear.bias);
        y = u.residual ? tf.add(y, out) : out;
      }
      y = hs(tf.conv2d(y as tf.Tensor4D, spec.last.filter as tf.Tensor4D, 1, 0).add(spec.last.bias));
      return tf.maxPool(y as tf.Tensor4D, [2, 2], [2, 2], 'valid');
    });
    const p = packMv3Backbone(spec);
    const got = mv3Backbone(x, p);
    expect(got.shape).toEqual(want.shape);
    const { worst, scale } = closeness(got, want);
    expect(scale).toBeGreaterThan(0.01);
    expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    p.dispose();
    tf.dispose([x, got, want, ...tensorsOf(spec)]);
  });

  it('1,000 calls over five widths leave the tensor count and the wasm heap flat', () => {
    const spec = smallSpec(4);
    const p = packMv3Backbone(spec);
    const heap = (): number => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength);
    const xs = [8, 17, 40, 99, 160].map((w, i) => tf.randomUniform([1 + (i % 2), 16, w, 3], -1, 1, 'float32', i));
    const once = (k: number): void => tf.dispose(mv3Backbone(xs[k % xs.length]!, p));
    for (let k = 0; k < 20; k++) once(k);
    const [tensors, bytes] = [tf.memory().numTensors, heap()];
    for (let k = 0; k < 1000; k++) once(k);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
    p.dispose();
    tf.dispose([...xs, ...tensorsOf(spec)]);
  }, 60_000);

  it('runs at inference on wasm only, and can be switched off', async () => {
    await expectInferenceOnWasmOnly(canFuseMv3Backbone, setMv3BackboneFusionEnabled);
  });

  it('rejects wrong weights, inputs and geometry with a named error, leaving no tensor behind', () => {
    const spec = smallSpec(5);
    const before = tf.memory().numTensors;
    const bad = (change: (s: Mv3BackboneSpec) => Mv3BackboneSpec): void => {
      expect(() => packMv3Backbone(change(spec))).toThrow(InvalidArgumentError);
    };
    tf.tidy(() => {
      bad((s) => ({ ...s, stem: { ...s.stem, filter: tf.zeros([3, 3, 8]) } }));
      bad((s) => ({ ...s, stem: { ...s.stem, stride: [0, 2] } }));
      bad((s) => ({ ...s, units: [{ ...s.units[0]!, expand: { ...s.units[0]!.expand, filter: tf.zeros([1, 1, 7, 16]) } }, ...s.units.slice(1)] }));
      bad((s) => ({ ...s, units: [{ ...s.units[0]!, depthwise: { ...s.units[0]!.depthwise, filter: tf.zeros([3, 5, 16, 1]) } }, ...s.units.slice(1)] }));
      bad((s) => ({ ...s, units: [s.units[0]!, { ...s.units[1]!, residual: true }, ...s.units.slice(2)] }));
      bad((s) => ({ ...s, units: [{ ...s.units[0]!, se: { ...s.units[0]!.se!, w2: { ...s.units[0]!.se!.w2, bias: tf.zeros([3]) } } }, ...s.units.slice(1)] }));
      bad((s) => ({ ...s, last: { ...s.last, filter: tf.zeros([1, 1, 15, 40]) } }));
      bad((s) => ({ ...s, last: { ...s.last, bias: tf.zeros([40], 'int32') } }));
      bad((s) => ({ ...s, pool: [0, 2] }));
    });
    expect(tf.memory().numTensors).toBe(before);
    const p = packMv3Backbone(spec);
    const n = tf.memory().numTensors;
    tf.tidy(() => {
      expect(() => mv3Backbone(tf.zeros([1, 16, 24, 4]), p)).toThrow(/must be float32 \[B, H, W, 3\]/);
      expect(() => mv3Backbone(tf.zeros([16, 24, 3]), p)).toThrow(InvalidArgumentError);
      expect(() => mv3Backbone(tf.zeros([1, 16, 24, 3], 'int32'), p)).toThrow(InvalidArgumentError);
      expect(() => mv3Backbone(tf.zeros([1, 2, 24, 3]), p)).toThrow(/pool does not fit/);
    });
    expect(tf.memory().numTensors).toBe(n);
    p.dispose();
    tf.dispose(tensorsOf(spec));
  });
});
