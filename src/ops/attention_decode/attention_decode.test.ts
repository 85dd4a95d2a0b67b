import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../runtime/tf.ts';
import { initBackend } from '../../runtime/backend.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { registerAllKernels } from '../registry.ts';
import { attentionDecode, canFuseAttentionDecode, setAttentionDecodeEnabled, webgpuDecodeLayout, type AttentionDecodeWeights } from './attention_decode.ts';
import { scratchFloats, tanhFast } from './decode.ts';

// Equality with the head's unrolled tf ops: src/models/heads/attention.test.ts.

beforeAll(async () => {
  registerAllKernels();
  await initBackend('cpu', { gpu: undefined });
});

function weights(h: number, d: number, c: number, g: number): AttentionDecodeWeights {
  const r = (shape: number[], seed: number): Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);
  return {
    h2hW: r([h, h], 1),
    h2hB: r([h], 2),
    score: r([h, 1], 3),
    wCtx: r([d, g * h], 4),
    wEmb: r([c, g * h], 5),
    wHh: r([h, g * h], 6),
    bHh: r([g * h], 7),
    genW: r([h, c], 8),
    genB: r([c], 9),
  };
}

describe('attentionDecode', () => {
  it('tanhFast is within 1e-7 of tanh, saturates and keeps NaN', () => {
    let worst = 0;
    for (let i = -200000; i <= 200000; i++) worst = Math.max(worst, Math.abs(tanhFast(i * 1e-4) - Math.tanh(i * 1e-4)));
    expect(worst).toBeLessThan(1e-7);
    expect(tanhFast(1e6)).toBeCloseTo(1, 7);
    expect(tanhFast(-Infinity)).toBeCloseTo(-1, 7);
    expect(tanhFast(0)).toBe(0);
    expect(tanhFast(NaN)).toBeNaN();
  });

  it('scratch grows with the batch only', () => {
    const d = { batch: 2, frames: 40, features: 192, hidden: 96, classes: 97, steps: 26, cell: 'gru' as const };
    expect(scratchFloats(d)).toBe(2 * (3 * 96 + 40 + 192 + 2 * 288));
    expect(scratchFloats({ ...d, steps: 100, classes: 7000 })).toBe(scratchFloats(d));
  });

  it('sizes the webgpu kernel: the shipped heads fit, oversized ones are left to the unrolled ops', () => {
    // DTRB (H 256, D 256 or 512) over the widest inputs, the zoo's (H 96, D 192).
    expect(webgpuDecodeLayout({ frames: 26, features: 256, hidden: 256 })).toEqual({ lanes: 256, maxT: 32 });
    expect(webgpuDecodeLayout({ frames: 65, features: 512, hidden: 256 })).toEqual({ lanes: 256, maxT: 128 });
    expect(webgpuDecodeLayout({ frames: 40, features: 192, hidden: 96 })).toEqual({ lanes: 256, maxT: 64 });
    expect(webgpuDecodeLayout({ frames: 5, features: 6, hidden: 4 })).toEqual({ lanes: 64, maxT: 32 });
    // 4·H + maxT + D + 2·lanes floats must fit in 16 KiB.
    expect(webgpuDecodeLayout({ frames: 26, features: 512, hidden: 800 })).toBeNull();
    expect(webgpuDecodeLayout({ frames: 3000, features: 256, hidden: 256 })).toBeNull();
  });

  it('returns [B, steps, C] and makes no other tensor', () => {
    const w = weights(4, 6, 5, 3);
    const hs = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 11);
    const proj = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 12);
    const before = tf.memory().numTensors;
    const y = attentionDecode(hs, proj, w, { cell: 'gru', steps: 4 });
    expect(y.shape).toEqual([2, 4, 5]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([hs, proj, ...Object.values<Tensor>({ ...w })]);
  });

  it('rejects wrong shapes, dtypes and attributes with a named error', () => {
    const w = weights(4, 6, 5, 4);
    const hs = tf.zeros([1, 3, 6]);
    const proj = tf.zeros([1, 3, 4]);
    expect(() => attentionDecode(hs, proj, w, { cell: 'gru', steps: 2 })).toThrow(/wCtx must be \[6, 12\], got \[6, 16\]/);
    expect(() => attentionDecode(hs, proj, w, { cell: 'lstm', steps: 0 })).toThrow(InvalidArgumentError);
    expect(() => attentionDecode(hs, tf.zeros([1, 3, 5]), w, { cell: 'lstm', steps: 2 })).toThrow(/proj must be \[1, 3, 4\]/);
    expect(() => attentionDecode(tf.zeros([1, 3, 6], 'int32'), proj, w, { cell: 'lstm', steps: 2 })).toThrow(/hs must be float32/);
    expect(() => attentionDecode(hs, proj, w, { cell: 'lstm', steps: 2, classBias: tf.zeros([4]) })).toThrow(/classBias must be \[5\]/);
    expect(() => attentionDecode(hs, proj, w, { cell: 'rnn' as 'gru', steps: 2 })).toThrow(/cell must be/);
  });

  it('stops early once every row has fed back EOS: the same logits up to there, zeros after', () => {
    const [B, C, steps] = [3, 6, 12];
    const argmax = (r: number[]): number => r.indexOf(Math.max(...r));
    for (const cell of ['gru', 'lstm'] as const) {
      const w = weights(4, 6, C, cell === 'gru' ? 3 : 4);
      const hs = tf.randomNormal([B, 5, 6], 0, 1, 'float32', 21);
      const proj = tf.randomNormal([B, 5, 4], 0, 1, 'float32', 22);
      const fullT = attentionDecode(hs, proj, w, { cell, steps });
      const full = fullT.arraySync() as number[][][];
      // As EOS, the class that every row has fed back soonest: the loop can stop after step `stop`.
      let [eos, stop] = [-1, steps];
      for (let c = 0; c < C; c++) {
        const firsts = full.map((row) => row.findIndex((l) => argmax(l) === c));
        if (firsts.every((i) => i >= 0) && Math.max(...firsts) < stop) [eos, stop] = [c, Math.max(...firsts)];
      }
      expect(stop, cell).toBeLessThan(steps - 1); // the case stops early, or the test would show nothing
      const earlyT = attentionDecode(hs, proj, w, { cell, steps, eos });
      const early = earlyT.arraySync() as number[][][];
      for (let b = 0; b < B; b++) {
        expect(early[b]!.slice(0, stop + 1), `${cell} row ${b}`).toEqual(full[b]!.slice(0, stop + 1));
        for (const l of early[b]!.slice(stop + 1)) expect(l.every((v) => v === 0)).toBe(true);
      }
      // A class no row reaches before the end: every step computed, as without eos.
      const never = [...Array(C).keys()].find((c) => full.some((row) => row.every((l) => argmax(l) !== c)));
      if (never !== undefined) expect(attentionDecode(hs, proj, w, { cell, steps, eos: never }).arraySync(), cell).toEqual(full);
      expect(() => attentionDecode(hs, proj, w, { cell, steps, eos: C })).toThrow(/eos must be a class index/);
      tf.dispose([fullT, earlyT, hs, proj, ...Object.values<Tensor>({ ...w })]);
    }
  });

  it('can be switched off, and is off under a gradient tape', () => {
    expect(canFuseAttentionDecode()).toBe(true);
    setAttentionDecodeEnabled(false);
    expect(canFuseAttentionDecode()).toBe(false);
    setAttentionDecodeEnabled(true);
    let taped = true;
    tf.grad((v: Tensor) => {
      taped = canFuseAttentionDecode();
      return tf.sum(v);
    })(tf.ones([1])).dispose();
    expect(taped).toBe(false);
  });
});
