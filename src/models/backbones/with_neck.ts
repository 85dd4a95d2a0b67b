/**
 * A backbone followed by a sequence neck that belongs to the visual encoder (PP-OCRv4's PPLCNetV3 + SVTR
 * mixing blocks, `rare-svtr`): one stage, so `--freeze backbone` freezes both and the sequence stage after
 * it (RARE's BiLSTM) stays its own. Output stays a height-1 feature map [B, 1, T, neck dims].
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { Params, ParamSpec } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

export class BackboneWithNeck implements Stage {
  readonly specs: ParamSpec[];
  readonly outChannels: number;

  constructor(
    private readonly base: Stage,
    private readonly neck: Stage,
  ) {
    this.specs = [...base.specs, ...neck.specs];
    this.outChannels = neck.outChannels;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const base = this.base.compile(params, train);
    let neck: CompiledStage;
    try {
      neck = this.neck.compile(params, train);
    } catch (e) {
      base.dispose();
      throw e;
    }
    return {
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          const f = base.apply(x); // [B, 1, T, C]
          const [b, h, t, c] = f.shape as [number, number, number, number];
          if (h !== 1) throw new Error(`backbone neck: feature map height must be 1, got ${h}`);
          const seq = neck.apply(tf.transpose(tf.reshape(f, [b, t, c]), [1, 0, 2])); // [T, B, D]
          return tf.expandDims(tf.transpose(seq, [1, 0, 2]), 1); // [B, 1, T, D]
        }),
      dispose: () => {
        base.dispose();
        neck.dispose();
      },
    };
  }
}
