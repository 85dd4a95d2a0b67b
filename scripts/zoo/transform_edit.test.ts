import { describe, expect, it } from 'vitest';
import { tf } from '../../src/runtime/tf.ts';
import { initBackend } from '../../src/runtime/backend.ts';
import { registerAllKernels } from '../../src/ops/registry.ts';
import { getPreset } from '../../src/models/presets.ts';
import { buildStages } from '../../src/models/model.ts';
import { initParams, type Params } from '../../src/models/params.ts';
import { GASPIN_FC2 } from '../../src/models/transforms/gaspin.ts';
import { moveColourStart, resetTransformPart } from './transform_edit.ts';

/** spin-lcnet's GA-SPIN with a "trained" fc2: random weights and bias, so every column matters. */
async function trainedSpin(): Promise<{ params: Params; config: ReturnType<typeof getPreset> }> {
  registerAllKernels();
  await initBackend('cpu');
  const config = getPreset('spin-lcnet');
  const stages = buildStages(config);
  const params = new Map([...initParams(stages.transform!.specs, 5)]);
  const w = params.get(GASPIN_FC2.w)!;
  const b = params.get(GASPIN_FC2.b)!;
  const b0 = b.dataSync().slice();
  params.set(GASPIN_FC2.w, tf.randomNormal(w.shape, 0, 0.05, 'float32', 6));
  // Power weights away from the start, the gate half open, the fiducials a little moved.
  params.set(GASPIN_FC2.b, tf.add(tf.tensor(b0), tf.randomNormal(b.shape, 0, 0.3, 'float32', 7)));
  tf.dispose([w, b]);
  return { params, config };
}

function transformOut(params: Params, config: ReturnType<typeof getPreset>): Float32Array {
  const t = buildStages(config).transform!.compile(params);
  const x = tf.randomUniform([2, 48, 64, 3], -1, 1, 'float32', 8);
  const y = t.apply(x);
  const v = y.dataSync().slice() as Float32Array;
  tf.dispose([x, y]);
  t.dispose();
  return v;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('transform fc2 edits (scripts/zoo)', () => {
  it('the colour start keeps GA-SPIN’s output when the gate is left where it was, and changes it when the gate moves', async () => {
    const { params, config } = await trainedSpin();
    const before = transformOut(params, config);
    const gate = params.get(GASPIN_FC2.b)!.dataSync()[13]!;
    expect(await moveColourStart(params, config, 5, gate)).toBe(13);
    expect(maxDiff(before, transformOut(params, config))).toBeLessThan(2e-3);
    await moveColourStart(params, config, 1, gate + 4);
    expect(maxDiff(before, transformOut(params, config))).toBeGreaterThan(1e-2);
    tf.dispose([...params.values()]);
  }, 60_000);

  it('resetting the colour part restores the untrained start of exactly its columns', async () => {
    const { params, config } = await trainedSpin();
    const w0 = params.get(GASPIN_FC2.w)!.dataSync().slice();
    const b0 = params.get(GASPIN_FC2.b)!.dataSync().slice();
    expect(await resetTransformPart(params, config, 'colour')).toEqual([0, 14]);
    const w = params.get(GASPIN_FC2.w)!.dataSync();
    const b = params.get(GASPIN_FC2.b)!.dataSync();
    const out = b.length;
    for (let i = 0; i < w.length; i++) expect(w[i]).toBe(i % out < 14 ? 0 : w0[i]);
    expect(Array.from(b.slice(0, 14))).toEqual([...new Array<number>(12).fill(0), 5, -5]);
    expect(Array.from(b.slice(14))).toEqual(Array.from(b0.slice(14)));
    await expect(resetTransformPart(params, getPreset('crnn-lcnet'), 'tps')).rejects.toThrow(/no transform/);
    await expect(resetTransformPart(params, getPreset('rare-lcnet'), 'colour')).rejects.toThrow(/GA-SPIN/);
    tf.dispose([...params.values()]);
  }, 60_000);
});
