import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openShardDir } from '../data/node_shards.ts';
import { decodeNode } from '../image/decode_node.ts';
import { SynthOptionsError } from './errors.ts';
import { createNodeSynth } from './node.ts';
import { synthDataset, writeSynthShards } from './node_shards.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'webstr-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('synthetic shards', () => {
  it('writes shards the data layer reads back: labels in order, PNGs that decode to the pixels', async () => {
    const out = path.join(dir, 'a');
    const manifest = await writeSynthShards(createNodeSynth({ seed: 11 }), out, { count: 25, name: 'synth-test', samplesPerShard: 10 });
    expect(manifest.sampleCount).toBe(25);
    expect(manifest.shards.map((s) => s.count)).toEqual([10, 10, 5]);
    const ref = createNodeSynth({ seed: 11 }).nextWithParams(25);
    const ds = await openShardDir(out);
    const got: string[] = [];
    for await (const s of ds.samples()) got.push(s.label);
    expect(got).toEqual(ref.map((r) => r.label));
    const first = await ds.sample(1);
    const img = await decodeNode(first.image);
    expect([img.width, img.height]).toEqual([ref[0]!.image.width, ref[0]!.image.height]);
    expect(Buffer.from(img.data).equals(Buffer.from(ref[0]!.image.data))).toBe(true);
  });

  it('samples are made in order only', async () => {
    const ds = synthDataset(createNodeSynth({ seed: 1 }), 3);
    await expect(ds.sample(2)).rejects.toThrow(SynthOptionsError);
    expect(() => synthDataset(createNodeSynth(), 0)).toThrow(SynthOptionsError);
  });
});
