/**
 * The shipped `rare` model (public/models/rare) reads the same greedy texts on the first 50 IIIT5K crops
 * with the fused attention decoder (src/ops/attention_decode) on and off, on wasm, batch 1 and batched, and
 * the same texts and confidences with the fused loop's early stop at EOS on and off.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { setAttentionDecodeEnabled, setAttentionEarlyStopEnabled } from '../ops/attention_decode/attention_decode.ts';
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

afterAll(() => {
  setAttentionDecodeEnabled(true);
  setAttentionEarlyStopEnabled(true);
});

describe.skipIf(!ready)('shipped rare model, fused attention decoder on and off', () => {
  it.each([1, 16])('same texts on the first 50 IIIT5K crops (batch ≤ %i); the early stop at EOS changes no text or confidence', async (maxBatch) => {
    const read = async (fused: boolean, early = true): Promise<{ text: string; conf: number[] }[]> => {
      setAttentionDecodeEnabled(fused);
      setAttentionEarlyStopEnabled(early);
      const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b), maxBatch });
      const out = await rec.recognizeBatch(crops);
      rec.dispose();
      return out.map((r) => (r.ok ? { text: r.text, conf: [r.confidence, ...r.charConfidences] } : { text: `error: ${r.error.message}`, conf: [] }));
    };
    const before = tf.memory().numTensors;
    const on = await read(true);
    const full = await read(true, false);
    const off = await read(false);
    expect(tf.memory().numTensors).toBe(before);
    expect(on).toEqual(full); // the steps up to each image's EOS are computed the same way
    expect(on.map((r) => r.text)).toEqual(off.map((r) => r.text));
    expect(on.filter((r) => r.text.length > 0).length).toBeGreaterThan(N * 0.9); // real words, not empty reads
  }, 300_000);
});
