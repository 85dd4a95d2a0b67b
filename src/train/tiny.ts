/**
 * The tiny end-to-end run (issue 9, the shape of PaddleOCR's lite_train_lite_infer): crnn-vgg narrowed
 * (VGG 64 channels, one BiLSTM 64 layer) trained from scratch with DTRB's optimizer (Adadelta, lr 1) on synthetic words of a 20-word vocabulary
 * (`tinySynthOptions`, 100×32), scored by greedy decoding on held-out synthetic words. Shared by
 * `tiny_run.test.ts` and `scripts/train_tiny.ts`.
 */
import { tf } from '../runtime/tf.ts';
import { getPreset } from '../models/presets.ts';
import type { ModelConfig } from '../models/config.ts';
import { CompiledModel } from '../models/model.ts';
import type { Params } from '../models/params.ts';
import { preprocess } from '../image/preprocess.ts';
import type { RgbaImage } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import { CtcCodec } from '../text/ctc.ts';
import type { TrainRecipe } from './types.ts';

export const TINY_STEPS = 400;
export const TINY_BATCH = 32;
/** % of held-out words exactly right. */
export const TINY_BAR = 50;

export function tinyRunConfig(): ModelConfig {
  const c = getPreset('crnn-vgg');
  if (c.backbone.kind === 'vgg') c.backbone.outChannels = 64;
  // One layer: with two (48) and Adam the run stayed on the CTC blank plateau for > 400 steps.
  c.sequence.layers = [{ hidden: 64, linear: 64 }];
  return c;
}

export function tinyRecipe(steps: number, batchSize = TINY_BATCH): TrainRecipe {
  return {
    preset: 'crnn-vgg',
    init: null,
    datasets: [],
    syntheticRatio: 1,
    validation: null,
    steps,
    batchSize,
    optimizer: { kind: 'adadelta', lr: 1 },
    schedule: { kind: 'constant' },
    clipNorm: 5,
    batchNorm: 'train',
    augment: false,
    evalEvery: 0,
    checkpointEvery: 0,
    seed: 5,
  };
}

/** Word accuracy (%) of CTC greedy decoding of `params` on pixel samples. */
export async function wordAccuracy(config: ModelConfig, charset: Charset, params: Params, samples: { image: RgbaImage; label: string }[]): Promise<number> {
  const m = new CompiledModel(config, params);
  const codec = new CtcCodec(charset);
  let correct = 0;
  try {
    for (let i = 0; i < samples.length; i += 50) {
      const part = samples.slice(i, i + 50);
      const x = tf.concat(part.map((s) => preprocess(s.image, config.input)));
      const p = m.predict(x);
      const data = (await p.data()) as Float32Array;
      const [b, t, c] = p.shape as [number, number, number];
      for (let k = 0; k < b; k++) if (codec.decodeGreedy(data.subarray(k * t * c, (k + 1) * t * c), t).text === part[k]!.label) correct++;
      tf.dispose([x, p]);
    }
  } finally {
    m.dispose();
  }
  return (100 * correct) / Math.max(1, samples.length);
}
