/**
 * recognizeBatch's one-pass path (JPEG bytes → the model's input in the wasm decoder, image/jpeg_input.ts)
 * against the decoder + preprocess path (`jpegInput: false`): the same outcomes to the bit (texts,
 * confidences, per-character confidences, error names), on wasm (the tensor made straight from the decoder's
 * memory) and cpu (a copy); the decoder called only for what the one-pass path does not cover; no tensor left.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { buildStages } from '../models/model.ts';
import { initParams } from '../models/params.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { openDtrbDataset } from '../data/dtrb.ts';
import { openFileByteSource } from '../data/node_source.ts';
import { hasSharedData, lmdbDir } from '../data/testing.ts';
import { decodeNode } from '../image/decode_node.ts';
import { jpegWasmMemoryBytes } from '../image/jpeg_wasm.ts';
import { Recognizer, hostWeights, type HostWeights, type RecognitionOutcome } from './recognizer.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../image/fixtures');
const inputs: Uint8Array[] = [];
const weights = new Map<string, HostWeights>();

beforeAll(async () => {
  registerAllKernels();
  await tf.setBackend('cpu');
  for (const name of ['crnn-tiny', 'crnn-mv3-en']) {
    const config = getPreset(name);
    const params = initParams(buildStages(config).specs, 5);
    weights.set(name, await hostWeights(config, getCharset(config.charset), params));
    tf.dispose([...params.values()]);
  }
  for (const f of ['gray', 'mixed', 'narrow', 'restart', 's411', 's422', 's444', 'progressive']) inputs.push(new Uint8Array(readFileSync(path.join(FIXTURES, `${f}.jpg`))));
  if (hasSharedData()) {
    const src = await openFileByteSource(path.join(lmdbDir('iiit5k_3000'), 'data.mdb'));
    try {
      const ds = await openDtrbDataset(src);
      for await (const s of ds.samples({ limit: 24 })) inputs.push(s.image);
    } finally {
      await src.close();
    }
  }
  // Hostile bytes: each must fail alike on both paths.
  const good = inputs[3]!;
  inputs.push(new Uint8Array(0), good.subarray(0, 40), good.subarray(0, Math.floor(good.length / 2)), new TextEncoder().encode('not an image'));
});

function summary(out: RecognitionOutcome[]): unknown[] {
  return out.map((o) => (o.ok ? [o.text, o.confidence, o.charConfidences] : o.error.name));
}

describe('recognizeBatch: one-pass JPEG input equals decoder + preprocess', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const preset of ['crnn-tiny', 'crnn-mv3-en']) {
      it(`${preset} on ${backend}`, async () => {
        await tf.setBackend(backend);
        let decoded = 0;
        const decoder = (b: Uint8Array): ReturnType<typeof decodeNode> => {
          decoded++;
          return decodeNode(b);
        };
        const direct = Recognizer.create(weights.get(preset)!, { decoder, maxBatch: 4 });
        const classic = Recognizer.create(weights.get(preset)!, { decoder, maxBatch: 4, jpegInput: false });
        try {
          const before = tf.memory().numTensors;
          const a = await direct.recognizeBatch(inputs);
          const viaDirect = decoded;
          decoded = 0;
          const b = await classic.recognizeBatch(inputs);
          expect(decoded).toBe(inputs.length);
          // Only the progressive fixture and the four hostile inputs reach the decoder.
          expect(viaDirect).toBe(5);
          expect(summary(a)).toEqual(summary(b));
          expect(a.filter((o) => o.ok)).toHaveLength(inputs.length - 4);
          expect(tf.memory().numTensors).toBe(before);
        } finally {
          direct.dispose();
          classic.dispose();
        }
      }, 120_000);
    }
  }

  it('1,000 JPEGs through the one-pass path leave the tensor count and the decoder memory flat', async () => {
    await tf.setBackend('wasm');
    const rec = Recognizer.create(weights.get('crnn-tiny')!, { decoder: (b) => decodeNode(b), maxBatch: 16 });
    try {
      const jpegs = inputs.filter((b) => b.length > 1000 && b[0] === 0xff && b[1] === 0xd8);
      await rec.recognizeBatch(jpegs);
      const [tensors, memory] = [tf.memory().numTensors, jpegWasmMemoryBytes()];
      const out = await rec.recognizeBatch(Array.from({ length: 1000 }, (_, k) => jpegs[k % jpegs.length]!));
      expect(out.every((o) => o.ok)).toBe(true);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(jpegWasmMemoryBytes()).toBe(memory);
    } finally {
      rec.dispose();
    }
  }, 120_000);
});
