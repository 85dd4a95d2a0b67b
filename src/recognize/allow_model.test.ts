/**
 * The allowed-character mask inside an attention model: the restricted choice is fed back, so the later
 * steps' logits follow the allowed path (not the unrestricted one filtered afterwards).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { CompiledModel } from '../models/model.ts';
import { codecFor } from '../text/attention.ts';
import { classMask, parseAllow } from '../text/allow.ts';
import { getCharset } from '../text/charset.ts';
import { importTorchStateDict } from '../weights/torch_import.ts';
import { fixtureStateDict, modelFixture, narrowed } from '../testing/model_fixtures.ts';

beforeAll(async () => {
  registerAllKernels();
  await tf.setBackend('cpu');
});

describe('attention model with a class mask (rare-dtrb fixture)', () => {
  it('feeds the allowed choice back and decodes allowed symbols only', async () => {
    const f = modelFixture('rare-dtrb');
    const config = narrowed(f);
    const params = importTorchStateDict(await fixtureStateDict(f), config);
    const model = new CompiledModel(config, params);
    tf.dispose([...params.values()]);
    const codec = codecFor(config.head, getCharset(config.charset));
    const x = tf.tensor(f.input.data, f.input.shape);
    const run = async (): Promise<{ logits: Float32Array; shape: number[]; texts: string[] }> => {
      const { logits, rectified } = model.forward(x);
      rectified?.dispose();
      const p = tf.softmax(logits);
      const probs = (await p.data()) as Float32Array;
      const data = (await logits.data()) as Float32Array;
      const shape = logits.shape;
      tf.dispose([p, logits]);
      const [b, steps, c] = shape as [number, number, number];
      const texts = Array.from({ length: b }, (_, k) => codec.decodeGreedy(probs.subarray(k * steps * c, (k + 1) * steps * c), steps, mask).text);
      return { logits: data, shape, texts };
    };
    let mask: Uint8Array | null = null;
    const free = await run();
    expect(free.texts[0]![0]).toMatch(/[0-9]/); // the unrestricted path starts with a digit
    mask = classMask(getCharset(config.charset), parseAllow('letters')!, codec.numClasses, codec.firstSymbol);
    model.setClassMask(mask);
    const held = await run();
    const [, steps, c] = held.shape as [number, number, number];
    for (const t of held.texts) expect(t).toMatch(/^[a-z]*$/);
    // Step 0 reads [GO] in both runs: same logits. Step 1 reads the step-0 choice: a digit unrestricted,
    // a letter restricted, so its logits differ.
    const step = (l: Float32Array, s: number): Float32Array => l.subarray(s * c, (s + 1) * c);
    expect(Array.from(step(held.logits, 0))).toEqual(Array.from(step(free.logits, 0)));
    const d1 = step(held.logits, 1).reduce((m, v, i) => Math.max(m, Math.abs(v - step(free.logits, 1)[i]!)), 0);
    expect(d1).toBeGreaterThan(1e-4);
    expect(steps).toBe(config.head.kind === 'attention' ? config.head.steps : 0);
    model.setClassMask(null);
    const again = await run();
    expect(Array.from(again.logits)).toEqual(Array.from(free.logits));
    x.dispose();
    const before = tf.memory().numTensors;
    model.setClassMask(mask);
    model.setClassMask(mask);
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
