import { describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { decodeNode } from '../image/decode_node.ts';
import { inputWidth, preprocess } from '../image/preprocess.ts';
import { getPreset } from '../models/presets.ts';
import { batches } from './batches.ts';
import { openDtrbDataset } from './dtrb.ts';
import { openFileByteSource } from './node_source.ts';
import { hasSharedData, lmdbDir } from './testing.ts';
import path from 'node:path';

// The batch reader with the decode + preprocess step a model declares (here crnn-mv3-en: BGR, height 32,
// keep-ratio width ≤ 320, (v/255 − 0.5)/0.5), as a worker runs it: real SVT crops in, model-ready
// tensors out, labels filtered and normalised as DTRB does.
describe.runIf(hasSharedData())('batches + the model-declared preprocessing on real crops', () => {
  it('yields [1, 32, W, 3] tensors in [-1, 1] with W as the preset declares', async () => {
    await initBackend('cpu');
    const input = getPreset('crnn-mv3-en').input;
    const src = await openFileByteSource(path.join(lmdbDir('svt_647'), 'data.mdb'));
    try {
      const ds = await openDtrbDataset(src);
      const before = tf.memory().numTensors;
      let seen = 0;
      for await (const b of batches(ds, {
        batchSize: 4,
        limit: 12,
        preprocess: async (bytes) => {
          const img = await decodeNode(bytes);
          return { width: inputWidth(input, img.width, img.height), x: preprocess(img, input) };
        },
      })) {
        for (const [k, { width, x }] of b.inputs.entries()) {
          expect(x.shape).toEqual([1, 32, width, 3]);
          const [lo, hi] = tf.tidy(() => [x.min().dataSync()[0]!, x.max().dataSync()[0]!]);
          expect(lo).toBeGreaterThanOrEqual(-1);
          expect(hi).toBeLessThanOrEqual(1);
          expect(b.labels[k]).toMatch(/^[0-9a-z]+$/);
          x.dispose();
          seen++;
        }
      }
      expect(seen).toBe(12);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await src.close();
    }
  });
});
