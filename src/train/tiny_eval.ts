/**
 * Held-out scoring of the tiny end-to-end run (src/train/tiny.ts): CTC greedy decoding of pixel samples.
 * Apart from tiny.ts so the recipe constants stay free of tfjs (finetune.html's form imports them).
 */
import { tf } from '../runtime/tf.ts';
import type { ModelConfig } from '../models/config.ts';
import { CompiledModel } from '../models/model.ts';
import type { Params } from '../models/params.ts';
import { preprocess } from '../image/preprocess.ts';
import type { RgbaImage } from '../image/types.ts';
import type { Charset } from '../text/charset.ts';
import { CtcCodec } from '../text/ctc.ts';

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
