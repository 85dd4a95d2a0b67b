import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { CompiledModel, WeightsMismatchError, buildStages } from './model.ts';
import { convSpec, countParams, initParams } from './params.ts';
import { getPreset } from './presets.ts';
import { swapLeading } from './nn.ts';

beforeAll(async () => {
  registerAllKernels();
  await tf.setBackend('cpu');
});

describe('crnn-vgg (random init)', () => {
  const config = getPreset('crnn-vgg');
  const stages = buildStages(config);
  it('has the parameter counts of docs/models.md §5.1', () => {
    expect(countParams(stages.backbone.specs)).toBe(5_549_824);
    expect(countParams(stages.sequence.specs)).toBe(2_892_288);
    expect(countParams(stages.head.specs)).toBe(9_509);
    expect(countParams(stages.specs)).toBe(8_451_621);
  });
  it('maps 1×32×100 to 24 frames of 37 probabilities', () => {
    const params = initParams(stages.specs, 7);
    const model = new CompiledModel(config, params);
    const before = tf.memory().numTensors;
    const probs = model.predict(tf.randomUniform([2, 32, 100, 1], -1, 1));
    expect(probs.shape).toEqual([2, 24, 37]);
    const sums = tf.sum(probs, 2);
    for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 4);
    tf.dispose([probs, sums]);
    expect(tf.memory().numTensors).toBe(before + 1); // the random input, made outside predict's tidy
    model.dispose();
    tf.dispose([...params.values()]);
  });
});

describe('crnn-mv3-en (random init)', () => {
  const config = getPreset('crnn-mv3-en');
  it('maps 3×32×W to W/4 frames of 97 probabilities', () => {
    const stages = buildStages(config);
    const params = initParams(stages.specs, 3);
    const model = new CompiledModel(config, params);
    const x = tf.randomUniform([1, 32, 100, 3], -1, 1);
    const probs = model.predict(x);
    expect(probs.shape).toEqual([1, 25, 97]);
    tf.dispose([x, probs]);
    model.dispose();
    tf.dispose([...params.values()]);
  });
  it('names every missing or mismatched tensor', () => {
    const stages = buildStages(config);
    const params = initParams(stages.specs, 3);
    params.get('ctc_fc_b_attr')?.dispose();
    params.delete('ctc_fc_b_attr');
    params.get('conv1_weights')?.dispose();
    params.set('conv1_weights', tf.zeros([3, 3, 3, 16]));
    try {
      new CompiledModel(config, params);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WeightsMismatchError);
      expect((err as Error).message).toMatch(/missing 1: ctc_fc_b_attr/);
      expect((err as Error).message).toMatch(/conv1_weights expected \[3,3,3,8\] got \[3,3,3,16\]/);
    }
    tf.dispose([...params.values()]);
  });
});

describe('RARE / TRBA presets', () => {
  it('rare-dtrb has docs/models.md §1/§6 counts (TPS 1,692,392; GRU head 565,286; total 10,699,790)', () => {
    const s = buildStages(getPreset('rare-dtrb'));
    expect(countParams(s.transform!.specs)).toBe(1_692_392);
    expect(countParams(s.head.specs)).toBe(565_286);
    expect(countParams(s.specs)).toBe(10_699_790);
  });
  it('trba-dtrb has 49,555,182 parameters (ResNet32 44,263,904)', () => {
    const s = buildStages(getPreset('trba-dtrb'));
    expect(countParams(s.backbone.specs)).toBe(44_263_904);
    expect(countParams(s.specs)).toBe(49_555_182);
  });
});

describe('spin-r32 preset', () => {
  it('has docs/models.md §7 counts less the 248 Paddle-only parameters', () => {
    const s = buildStages(getPreset('spin-r32'));
    expect(countParams(s.transform!.specs)).toBe(2_323_903 - 248);
    expect(countParams(s.backbone.specs)).toBe(44_263_904);
    expect(countParams(s.sequence.specs)).toBe(3_023_616);
    expect(countParams(s.head.specs)).toBe(1_075_270);
    expect(countParams(s.specs)).toBe(50_686_693 - 248);
  });
});

describe('rare-mv3 preset', () => {
  it('maps 3×32×100 through the small TPS and MobileNetV3-large ×0.5 to 25 steps of 38 logits', () => {
    const config = getPreset('rare-mv3');
    const s = buildStages(config);
    expect(s.backbone.outChannels).toBe(480);
    // small loc net: convs 3·9·16 + 16·9·32 + 32·9·64 + 64·9·128 (+ BN 2·240), fc1 128·64 + 64, fc2 64·40 + 40
    expect(countParams(s.transform!.specs)).toBe(432 + 4608 + 18432 + 73728 + 480 + 8256 + 2600);
    console.log(`rare-mv3 parameters: transform ${countParams(s.transform!.specs)}, backbone ${countParams(s.backbone.specs)}, sequence ${countParams(s.sequence.specs)}, head ${countParams(s.head.specs)}, total ${countParams(s.specs)}`);
    const params = initParams(s.specs, 5);
    const model = new CompiledModel(config, params);
    const x = tf.randomUniform([1, 32, 100, 3], -1, 1);
    const { logits, rectified } = model.forward(x);
    expect(logits.shape).toEqual([1, 25, 38]);
    expect(rectified?.shape).toEqual([1, 32, 100, 3]);
    tf.dispose([x, logits, ...(rectified ? [rectified] : [])]);
    model.dispose();
    tf.dispose([...params.values()]);
  });
});

describe('ppocr-v4 preset', () => {
  it('has the exported graph\'s parameters (234 tensors) and 6,625 classes before its dictionary is loaded', () => {
    const s = buildStages(getPreset('ppocr-v4'));
    expect(s.specs.length).toBe(234);
    expect(s.numClasses).toBe(6625);
    expect(s.backbone.outChannels).toBe(480);
    expect(s.sequence.outChannels).toBe(120);
    expect(countParams(s.backbone.specs)).toBe(1_320_724);
    expect(countParams(s.sequence.specs)).toBe(566_160);
    expect(countParams(s.head.specs)).toBe(120 * 6625 + 6625);
    expect(countParams(s.specs)).toBe(2_688_509);
  });
});

describe('random initialisation', () => {
  it('scales a depthwise filter by its own fan-in (kh·kw), not kh·kw·C', async () => {
    const params = initParams([convSpec('dw', [5, 5, 256, 1], true), convSpec('full', [5, 5, 16, 64])], 4);
    const std = async (t: tf.Tensor): Promise<number> => {
      const v = (await t.data()) as Float32Array;
      return Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
    };
    expect(await std(params.get('dw')!)).toBeCloseTo(Math.sqrt(2 / 25), 2);
    expect(await std(params.get('full')!)).toBeCloseTo(Math.sqrt(2 / 400), 2);
    tf.dispose([...params.values()]);
  });
});

describe('zoo presets (PPLCNetV3 from PP-OCRv4)', () => {
  // Shapes only: the exported PPLCNetV3 has no BatchNorm after its units, so a plain He init fades over its
  // 28 hardswish convolutions (output std ~1e-5); real runs start from PP-OCRv4's backbone (--init-partial).
  it('read 48-pixel-high crops into width/8 steps over en_dict_space', () => {
    for (const [name, width, steps, classes] of [
      ['crnn-lcnet', 160, 20, 97],
      ['rare-lcnet', 160, 26, 98],
      ['rare-svtr', 160, 26, 98],
      ['spin-lcnet', 160, 26, 98],
    ] as const) {
      const config = getPreset(name);
      const params = initParams(buildStages(config).specs, 3);
      const model = new CompiledModel(config, params);
      const x = tf.randomUniform([1, 48, width, 3], -1, 1, 'float32', 1);
      const a = model.predict(x);
      expect(a.shape, name).toEqual([1, steps, classes]);
      tf.dispose([a, x, ...params.values()]);
      model.dispose();
    }
  }, 60_000);
});

describe('the smaller zoo presets (rare-svtr32, spin-svtr32 at 32×128; rare-svtr40, spin-svtr40, spin-svtr40h at 40×128)', () => {
  it('have every parameter of their 48×160 originals (same names and shapes) and read their crops', () => {
    for (const [small, big, height] of [
      ['rare-svtr32', 'rare-svtr', 32],
      ['spin-svtr32', 'spin-svtr', 32],
      ['rare-svtr40', 'rare-svtr', 40],
      ['spin-svtr40', 'spin-svtr', 40],
      ['spin-svtr40h', 'spin-svtr', 40],
    ] as const) {
      const specs = (n: string): string[] => buildStages(getPreset(n)).specs.map((s) => `${s.name} ${s.shape.join('×')}`);
      expect(specs(small), small).toEqual(specs(big));
      const config = getPreset(small);
      expect([config.input.height, config.input.resize.mode === 'keep-ratio-pad' ? config.input.resize.maxWidth : 0]).toEqual([height, 128]);
      const params = initParams(buildStages(config).specs, 3);
      const model = new CompiledModel(config, params);
      const x = tf.randomUniform([1, height, 128, 3], -1, 1, 'float32', 1);
      const a = model.predict(x);
      expect(a.shape, small).toEqual([1, 26, 98]); // 26 decoder steps × 98 classes
      tf.dispose([a, x, ...params.values()]);
      model.dispose();
    }
  }, 90_000);
});

describe('rare-svtr: PP-OCRv4’s backbone and SVTR neck as one backbone stage', () => {
  it('computes what ppocr-v4’s backbone then its neck compute on the same parameters, per image and step', () => {
    const svtr = buildStages(getPreset('rare-svtr'));
    const ppocr = buildStages(getPreset('ppocr-v4'));
    // The same parameter names (transferable from ppocr-v4 by --init-partial), counted once.
    expect(svtr.backbone.specs.map((s) => s.name)).toEqual([...ppocr.backbone.specs, ...ppocr.sequence.specs].map((s) => s.name));
    expect(svtr.backbone.outChannels).toBe(120);
    const params = initParams(svtr.specs, 4);
    const x = tf.randomUniform([2, 48, 96, 3], -1, 1, 'float32', 5); // batch 2, 12 steps: a transposition shows
    const a = svtr.backbone.compile(params);
    const b = ppocr.backbone.compile(params);
    const n = ppocr.sequence.compile(params);
    const got = a.apply(x); // [B, 1, T, 120]
    const want = tf.tidy(() => {
      const f = b.apply(x);
      const seq = n.apply(tf.transpose(tf.squeeze(f, [1]), [1, 0, 2])); // [T, B, 120]
      return tf.expandDims(tf.transpose(seq, [1, 0, 2]), 1);
    });
    expect(got.shape).toEqual([2, 1, 12, 120]);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!);
    const scale = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]!);
    expect(scale).toBeGreaterThan(1e-3);
    expect(d).toBeLessThan(1e-4 * Math.max(1, scale));
    // The two images differ, so a batch/step mix-up could not pass unnoticed.
    const imgs = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(got, [0], [1]), tf.slice(got, [1], [1])))).dataSync()[0]!);
    expect(imgs).toBeGreaterThan(1e-4);
    tf.dispose([x, got, want, ...params.values()]);
    a.dispose();
    b.dispose();
    n.dispose();
  }, 60_000);
});

describe('GA-SPIN random initialisation', () => {
  it('starts as an identity-like colour transform (fc2 bias: β = 1 weight 5, gate −5, RARE fiducials), not all zeros', async () => {
    for (const name of ['spin-r32', 'spin-lcnet']) {
      const config = getPreset(name);
      const stages = buildStages(config);
      const params = initParams(stages.specs, 11);
      const tr = stages.transform!.compile(params);
      const c = config.input.channels === 'gray' ? 1 : 3;
      const x = tf.randomUniform([2, config.input.height, 48, c], -1, 1, 'float32', 12);
      const y = tr.apply(x);
      const m = tf.moments(y);
      expect(Math.sqrt((await m.variance.data())[0]!), name).toBeGreaterThan(0.1);
      tf.dispose([x, y, m.mean, m.variance, ...params.values()]);
      tr.dispose();
    }
  }, 60_000);
});

describe('swapLeading', () => {
  it('equals transpose [1, 0, …] and copies nothing when a leading axis is 1', () => {
    for (const shape of [
      [1, 7, 5],
      [7, 1, 5],
      [3, 4, 2],
      [1, 1, 3],
      [4, 3],
    ]) {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
      const before = tf.memory().numDataBuffers;
      const y = swapLeading(x);
      const want = tf.transpose(x, [1, 0, ...shape.slice(2).map((_, i) => i + 2)]);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
      expect(tf.memory().numDataBuffers - before).toBe(shape[0] === 1 || shape[1] === 1 ? 1 : 2); // a reshape shares x's data
      tf.dispose([x, y, want]);
    }
  });
});
