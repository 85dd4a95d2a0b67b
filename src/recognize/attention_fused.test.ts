/**
 * The shipped `rare` model (public/models/rare) reads the same greedy texts on the first 50 IIIT5K crops
 * with the fused attention decoder (src/ops/attention_decode) on and off, on wasm, batch 1 and batched.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { setAttentionDecodeEnabled } from '../ops/attention_decode/attention_decode.ts';
import { openFileByteSource } from '../data/node_source.ts';
import { openDtrbDataset } from '../data/dtrb.ts';
import { decodeNode } from '../image/decode_node.ts';
import type { RgbaImage } from '../image/types.ts';
import { LMDB_DIR, haveLmdb } from '../testing/shared.ts';
import { toHostWeights } from './load.ts';
import { loadModelNode } from './node_load.ts';
import { Recognizer, type HostWeights } from './recognizer.ts';

// Without ../shared (the IIIT5K crops) this suite skips; under CI haveLmdb throws instead.
const ready = haveLmdb('iiit5k_3000');
const N = 50;

let weights: HostWeights;
const crops: RgbaImage[] = [];

beforeAll(async () => {
  if (!ready) return;
  registerAllKernels();
  await initBackend('wasm', { gpu: undefined });
  weights = await toHostWeights(await loadModelNode('rare'));
  const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
  const ds = await openDtrbDataset(src);
  for await (const s of ds.samples({ limit: N })) crops.push(await decodeNode(s.image));
  await src.close();
}, 120_000);

afterAll(() => setAttentionDecodeEnabled(true));

describe.skipIf(!ready)('shipped rare model, fused attention decoder on and off', () => {
  it.each([1, 16])('same texts on the first 50 IIIT5K crops (batch ≤ %i)', async (maxBatch) => {
    const texts = async (fused: boolean): Promise<string[]> => {
      setAttentionDecodeEnabled(fused);
      const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b), maxBatch });
      const out = await rec.recognizeBatch(crops);
      rec.dispose();
      return out.map((r) => (r.ok ? r.text : `error: ${r.error.message}`));
    };
    const before = tf.memory().numTensors;
    const on = await texts(true);
    const off = await texts(false);
    expect(tf.memory().numTensors).toBe(before);
    expect(on).toEqual(off);
    expect(on.filter((t) => t.length > 0).length).toBeGreaterThan(N * 0.9); // real words, not empty reads
  }, 300_000);
});
