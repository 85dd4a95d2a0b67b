import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { maxError, type FixtureTensor } from '../../ops/checks.ts';
import { ctcLoss } from '../../ops/ctc_loss/ctc_loss.ts';
import { registerAllKernels } from '../../ops/registry.ts';
import { AdamW, Adadelta, clipGradNorm, cosineLr, makeOptimizer, makeSchedule, type OptimizerKind, type Optimizer, type ScheduleSpec } from './index.ts';
import fixture from './fixtures/optim.json';

type Case = (typeof fixture.optimizers)[number];

const t = (f: FixtureTensor): Tensor => tf.tensor(f.data, f.shape, 'float32');

function build(c: Case): { opt: Optimizer; vars: Record<string, tf.Variable> } {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(c.params)) vars[k] = tf.tidy(() => tf.variable(t(v)));
  const { kind, ...rest } = c.options;
  const schedule = (c as { schedule?: ScheduleSpec }).schedule;
  const opt = makeOptimizer(kind as OptimizerKind, vars, {
    ...rest,
    lr: schedule === undefined ? c.options.lr : makeSchedule(schedule),
    lrScale: { 'loc.': c.locScale },
    ...((c as { clipNorm?: number }).clipNorm === undefined ? {} : { clipNorm: (c as { clipNorm: number }).clipNorm }),
  });
  return { opt, vars };
}

async function runSteps(c: Case, opt: Optimizer, vars: Record<string, tf.Variable>, from: number, to: number): Promise<number> {
  let worst = 0;
  for (let s = from; s < to; s++) {
    expect(opt.lr).toBeCloseTo(c.lrs[s]!, 12);
    expect(Math.abs(opt.lrOf('loc.fc.weight') - c.locLrs[s]!)).toBeLessThanOrEqual(1e-12 * c.locLrs[s]!);
    const grads: Record<string, Tensor> = {};
    for (const [k, g] of Object.entries(c.grads[s]!)) grads[k] = t(g);
    const norm = opt.step(grads);
    const norms = (c as { totalNorms?: number[] }).totalNorms;
    if (norms !== undefined) {
      expect(norm).not.toBeNull();
      expect(maxError(await norm!.data(), [norms[s]!])).toBeLessThan(1e-6);
    }
    tf.dispose([...Object.values(grads), ...(norm === null ? [] : [norm])]);
    for (const [k, v] of Object.entries(vars)) {
      const expected = (c.after[s] as Record<string, FixtureTensor>)[k]!;
      worst = Math.max(worst, maxError(await v.data(), expected.data));
    }
  }
  return worst;
}

describe.each(['cpu', 'wasm'] as const)('optimizers on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(fixture.optimizers.map((c) => [c.name, c] as const))('%s matches PyTorch step by step (≤ 1e-6)', async (_, c) => {
    const { opt, vars } = build(c);
    const worst = await runSteps(c, opt, vars, 0, c.lrs.length);
    expect(worst).toBeLessThanOrEqual(1e-6);
    opt.dispose();
    tf.dispose(Object.values(vars));
  });

  it.each(fixture.optimizers.map((c) => [c.name, c] as const))('%s resumes from getState/setState through JSON', async (_, c) => {
    const a = build(c);
    await runSteps(c, a.opt, a.vars, 0, 3);
    const state = JSON.parse(JSON.stringify(await a.opt.getState())) as Awaited<ReturnType<Optimizer['getState']>>;
    const b = build(c);
    for (const [k, v] of Object.entries(b.vars)) v.assign(a.vars[k]!);
    b.opt.setState(state);
    const worst = await runSteps(c, b.opt, b.vars, 3, c.lrs.length);
    expect(worst).toBeLessThanOrEqual(1e-6);
    for (const x of [a, b]) {
      x.opt.dispose();
      tf.dispose(Object.values(x.vars));
    }
  });

  it('leaks no tensors per step once the slots exist, and frees them on dispose', () => {
    const c = fixture.optimizers.find((o) => o.name === 'adamw_warmup_cosine_clip')!;
    const start = tf.memory().numTensors;
    const { opt, vars } = build(c);
    const grads: Record<string, Tensor> = {};
    for (const [k, g] of Object.entries(c.grads[0]!)) grads[k] = t(g);
    tf.dispose(opt.step(grads) ?? []);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(opt.step(grads) ?? []);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([...Object.values(grads), ...Object.values(vars)]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it.each([
    // Adadelta with ε 1e−8 starts with steps of ~√ε per unit gradient: it moves, slowly.
    [
      'AdamW + warm-up cosine + clip 5',
      (p: Record<string, tf.Variable>) =>
        new AdamW(p, { lr: cosineLr({ base: 0.05, totalSteps: 40, warmupSteps: 3 }), clipNorm: 5, lrScale: { b: 0.5 } }),
      0.6,
    ],
    ['Adadelta lr 1 + clip 5 (DTRB)', (p: Record<string, tf.Variable>) => new Adadelta(p, { lr: 1, rho: 0.95, eps: 1e-8, clipNorm: 5 }), 0.99],
  ] as const)('%s trains a linear CTC model through minimize(): the loss decreases, no leaks', async (_, make, factor) => {
    registerAllKernels();
    const [B, T, F, C] = [4, 8, 5, 4];
    const feats = tf.randomNormal([B, T, F], 0, 1, 'float32', 21);
    const labels = tf.tensor2d([[1, 2, 0], [3, 3, 0], [2, 1, 3], [1, 0, 0]], undefined, 'int32');
    const lengths = tf.tensor1d([2, 2, 3, 1], 'int32');
    const params = {
      w: tf.tidy(() => tf.variable(tf.randomNormal([F, C], 0, 0.1, 'float32', 22))),
      b: tf.tidy(() => tf.variable(tf.zeros([C]))),
    };
    const opt = make(params);
    const lossFn = (): tf.Scalar =>
      ctcLoss(feats.reshape([B * T, F]).matMul(params.w).add(params.b).reshape([B, T, C]), labels, lengths) as tf.Scalar;
    const first = opt.minimize(lossFn);
    const firstValue = (await first.data())[0]!;
    first.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 39; i++) opt.minimize(lossFn).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const last = tf.tidy(lossFn);
    expect((await last.data())[0]!).toBeLessThan(factor * firstValue);
    opt.dispose();
    tf.dispose([last, feats, labels, lengths, params.w, params.b]);
  });

  it('clipGradNorm matches clip_grad_norm_', async () => {
    for (const c of fixture.clips) {
      const grads: Record<string, Tensor> = {};
      for (const [k, g] of Object.entries(c.grads)) grads[k] = t(g);
      const { grads: out, totalNorm } = clipGradNorm(grads, c.maxNorm);
      expect(maxError(await totalNorm.data(), [c.totalNorm])).toBeLessThan(1e-6);
      for (const [k, v] of Object.entries(out)) {
        expect(maxError(await v.data(), (c.clipped as Record<string, FixtureTensor>)[k]!.data)).toBeLessThan(1e-6);
      }
      tf.dispose([...Object.values(grads), ...Object.values(out), totalNorm]);
    }
  });

  it('rejects unknown parameters and wrong gradient shapes by name', () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const opt = makeOptimizer('sgd', { w }, { lr: 0.1 });
    expect(() => opt.step({ v: tf.zeros([2, 2]) })).toThrow(/unknown parameter 'v'; parameters: w/);
    expect(() => opt.step({ w: tf.zeros([3]) })).toThrow(/has shape \[3\], expected \[2, 2\]/);
    expect(() => makeOptimizer('rmsprop' as OptimizerKind, { w }, { lr: 1 })).toThrow(/adam, adamw, adadelta, sgd/);
    expect(() => makeOptimizer('sgd', { w }, { lr: 1, nesterov: true })).toThrow(InvalidArgumentError);
    w.dispose();
  });
});

describe('schedules', () => {
  it.each(fixture.schedules.map((s) => [`${s.spec.kind} ${JSON.stringify(s.spec)}`, s] as const))('%s matches PyTorch', (_, s) => {
    const f = makeSchedule(s.spec as ScheduleSpec);
    s.lrs.forEach((lr, i) => expect(Math.abs(f(i) - lr)).toBeLessThanOrEqual(1e-9 * Math.max(lr, 1e-12) + 1e-15));
  });

  it('rejects malformed specs with the expected form', () => {
    expect(() => makeSchedule({ kind: 'piecewise', boundaries: [3, 2], values: [1, 2, 3] })).toThrow(/ascending/);
    expect(() => makeSchedule({ kind: 'piecewise', boundaries: [3], values: [1] })).toThrow(/values.length = boundaries.length \+ 1 = 2/);
    expect(() => makeSchedule({ kind: 'cosine', base: 1, totalSteps: 5, warmupSteps: 5 })).toThrow(/warmupSteps < totalSteps/);
    expect(() => makeSchedule({ kind: 'step' } as unknown as ScheduleSpec)).toThrow(/constant, piecewise, cosine/);
  });
});
