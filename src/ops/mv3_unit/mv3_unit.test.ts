import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { depthwiseConvAct } from '../depthwise_act/depthwise_act.ts';
import { pointwiseConvAct } from '../pointwise_act/pointwise_act.ts';
import { squeezeExcite } from '../se_block/se_block.ts';
import { canFuseMv3Unit, mv3Unit, setMv3UnitFusionEnabled, type Mv3UnitWeights } from './mv3_unit.ts';
import { CompiledModel, buildStages } from '../../models/model.ts';
import { initParams } from '../../models/params.ts';
import { getPreset } from '../../models/presets.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { expectInferenceOnWasmOnly } from '../../testing/fusion_switch.ts';

function weights(cin: number, e: number, cout: number, k: number, stride: [number, number], se: boolean, seed: number): Mv3UnitWeights {
  const r = (shape: number[], s: number, std = 0.4): Tensor => tf.randomNormal(shape, 0, std, 'float32', seed + s);
  const p = Math.floor(k / 2);
  return {
    expand: { filter: r([1, 1, cin, e], 1), bias: r([e], 2) },
    depthwise: { filter: r([k, k, e, 1], 3), bias: r([e], 4), stride, pad: [p, p, p, p] },
    se: se ? { w1: r([1, 1, e, Math.max(1, e >> 2)], 5), b1: r([Math.max(1, e >> 2)], 6), w2: r([1, 1, Math.max(1, e >> 2), e], 7), b2: r([e], 8) } : null,
    linear: { filter: r([1, 1, e, cout], 9), bias: r([cout], 10) },
  };
}

/** The unit as the separate kernels (what mobilenetv3.ts runs with the fusion off). */
function separate(x: Tensor, u: Mv3UnitWeights, act: 'relu' | 'hardswish', residual: boolean): Tensor {
  return tf.tidy(() => {
    let h = pointwiseConvAct(x, u.expand.filter, u.expand.bias, act);
    h = depthwiseConvAct(h, u.depthwise.filter, u.depthwise.bias, u.depthwise.stride, u.depthwise.pad, act);
    if (u.se !== null) h = squeezeExcite(h, u.se.w1, u.se.b1, u.se.w2, u.se.b2);
    return pointwiseConvAct(h, u.linear.filter, u.linear.bias, 'linear', residual ? { residual: x } : {});
  });
}

const all = (u: Mv3UnitWeights): Tensor[] => [u.expand.filter, u.expand.bias, u.depthwise.filter, u.depthwise.bias, u.linear.filter, u.linear.bias, ...(u.se === null ? [] : [u.se.w1, u.se.b1, u.se.w2, u.se.b2])];

describe('mv3Unit on wasm', () => {
  beforeAll(async () => {
    registerAllKernels();
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
  });

  it.each([
    // crnn-mv3-en's units at width 100, and odd sizes (channel remainders, batch 2)
    [[1, 16, 50, 8], 8, 8, 3, [1, 1], true, 'relu', false],
    [[1, 16, 50, 8], 40, 16, 3, [2, 1], false, 'relu', false],
    [[1, 8, 50, 16], 48, 16, 3, [1, 1], false, 'relu', true],
    [[1, 8, 50, 16], 48, 24, 5, [2, 1], true, 'hardswish', false],
    [[1, 4, 50, 24], 120, 24, 5, [1, 1], true, 'hardswish', true],
    [[1, 2, 50, 48], 288, 48, 5, [1, 1], true, 'hardswish', true],
    [[2, 5, 13, 6], 18, 6, 5, [1, 1], true, 'hardswish', true],
    [[2, 7, 9, 5], 13, 7, 3, [2, 2], false, 'relu', false],
  ] as const)('gives the separate kernels\' bits: x %j, expand %i, out %i, k %i, strides %j, SE %s, %s, residual %s', (shape, e, cout, k, stride, se, act, residual) => {
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 1);
    const u = weights(shape[3], e, cout, k, [...stride], se, 10);
    const want = separate(x, u, act, residual);
    const before = tf.memory().numTensors;
    const got = mv3Unit(x, u, act, residual);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(got.shape).toEqual(want.shape);
    const [a, b] = [got.dataSync(), want.dataSync()];
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diff++;
    expect(diff).toBe(0);
    tf.dispose([x, got, want, ...all(u)]);
  });

  it('1,000 crnn-mv3-en predictions through the fused kernels leave the tensor count and the wasm heap flat', () => {
    const config = getPreset('crnn-mv3-en');
    const params = initParams(buildStages(config).specs, 5);
    const model = new CompiledModel(config, params);
    tf.dispose([...params.values()]);
    const heap = (): number => ((tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer.byteLength;
    const widths = [8, 40, 100, 172, 320];
    const xs = widths.map((w, i) => tf.randomUniform([1 + (i % 2), 32, w, 3], -1, 1, 'float32', i));
    const once = (k: number): void => tf.dispose(model.predict(xs[k % xs.length]!));
    for (let k = 0; k < 50; k++) once(k); // every width's scratch once
    const [tensors, bytes] = [tf.memory().numTensors, heap()];
    for (let k = 0; k < 1000; k++) once(k);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(bytes);
    tf.dispose(xs);
    model.dispose();
  }, 60_000);

  it('runs at inference on wasm only, and can be switched off', async () => {
    await expectInferenceOnWasmOnly(canFuseMv3Unit, setMv3UnitFusionEnabled);
  });

  it('rejects wrong shapes, dtypes and geometry with a named error', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
    const x = tf.zeros([1, 4, 10, 8]);
    const u = weights(8, 16, 8, 3, [1, 1], true, 20);
    expect(() => mv3Unit(tf.zeros([4, 10, 8]), u, 'relu', false)).toThrow(InvalidArgumentError);
    expect(() => mv3Unit(x, { ...u, expand: { filter: tf.zeros([1, 1, 7, 16]), bias: u.expand.bias } }, 'relu', false)).toThrow(/expand must be/);
    expect(() => mv3Unit(x, { ...u, depthwise: { ...u.depthwise, filter: tf.zeros([3, 5, 16, 1]) } }, 'relu', false)).toThrow(/depthwise must be/);
    expect(() => mv3Unit(x, { ...u, linear: { filter: tf.zeros([1, 1, 15, 8]), bias: u.linear.bias } }, 'relu', false)).toThrow(/linear must be/);
    expect(() => mv3Unit(x, { ...u, se: { ...u.se!, b2: tf.zeros([3]) } }, 'relu', false)).toThrow(/se must be/);
    expect(() => mv3Unit(x, { ...u, depthwise: { ...u.depthwise, stride: [2, 1] } }, 'relu', true)).toThrow(/residual needs/);
    expect(() => mv3Unit(x, { ...u, depthwise: { ...u.depthwise, stride: [0, 1] } }, 'relu', false)).toThrow(/strides/);
    expect(() => mv3Unit(x, { ...u, depthwise: { ...u.depthwise, pad: [0, 0, 0, 0], filter: tf.zeros([5, 5, 16, 1]) } }, 'relu', false)).toThrow(/does not fit/);
    expect(() => mv3Unit(x, u, 'gelu' as 'relu', false)).toThrow(/activation/);
    expect(() => mv3Unit(tf.zeros([1, 4, 10, 8], 'int32'), u, 'relu', false)).toThrow(/float32/);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
