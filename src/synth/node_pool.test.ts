import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SynthOptionsError, SynthWorkerError } from './errors.ts';
import { createNodeSynth } from './node.ts';
import { PooledSynthSource, SynthPool, pooledSynthDataset } from './node_pool.ts';
import { synthDataset } from './node_shards.ts';

const options = { style: 'rich', seed: 3, fontCache: false } as const;

describe('SynthPool (worker threads)', () => {
  let pool: SynthPool;
  beforeAll(async () => {
    pool = await SynthPool.create(options, 2);
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
  });

  it('writes the same samples (labels and PNG bytes) as one thread, in order', async () => {
    const one = synthDataset(createNodeSynth(options), 40);
    const source = createNodeSynth(options);
    const two = pooledSynthDataset(source, pool, 40, 8);
    for (let i = 1; i <= 40; i++) {
      const [a, b] = [await one.sample(i), await two.sample(i)];
      expect(b.label).toBe(a.label);
      expect(Buffer.from(b.image).equals(Buffer.from(a.image)), `sample ${i}`).toBe(true);
    }
    expect(source.position).toBe(40);
    await expect(two.sample(3)).rejects.toThrow(SynthOptionsError);
  });

  it('PooledSynthSource hands out the single-thread stream and resumes from its state', async () => {
    const whole = await createNodeSynth(options).next(30);
    const pooled = new PooledSynthSource(createNodeSynth(options), pool);
    const a = await pooled.next(10);
    const b = await pooled.next(10);
    const state = JSON.parse(JSON.stringify(pooled.getState())) as Record<string, unknown>;
    const resumed = new PooledSynthSource(createNodeSynth(options), pool);
    resumed.setState(state);
    const c = await resumed.next(10);
    const got = [...a, ...b, ...c];
    expect(got.map((s) => s.label)).toEqual(whole.map((s) => s.label));
    for (let i = 0; i < 30; i++) expect(Buffer.from(got[i]!.image.data).equals(Buffer.from(whole[i]!.image.data)), `sample ${i}`).toBe(true);
    const d = await pooled.next(4); // another size: the prefetched batch is planned again
    expect(d.map((s) => s.label)).toEqual(whole.slice(20, 24).map((s) => s.label));
  });

  it('a failure in a worker is a SynthWorkerError naming the cause; bad sizes are refused', async () => {
    const [p] = createNodeSynth(options).plan(1);
    await expect(pool.render([{ ...p!, background: { kind: 'image', color: [0, 0, 0], image: 3, window: [0, 0, 1, 1], amp: 1 } }], false)).rejects.toThrow(/SynthWorkerError|background image 3/);
    await expect(pool.render([{ ...p!, background: { kind: 'image', color: [0, 0, 0], image: 3, window: [0, 0, 1, 1], amp: 1 } }], false)).rejects.toBeInstanceOf(SynthWorkerError);
    await expect(SynthPool.create(options, 0)).rejects.toThrow(SynthOptionsError);
  });
});
