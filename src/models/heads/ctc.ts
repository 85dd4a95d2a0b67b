/** CTC head: Linear → logits over classes (the model applies softmax) (blank 0). Names: DTRB `Prediction.*`, Paddle `ctc_fc_*_attr` or a dygraph `linear_N.{w_0,b_0}`. */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { CtcHeadConfig } from '../config.ts';
import { getParam, linearSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage } from '../stage.ts';
import { swapLeading } from '../nn.ts';
import { canFusePointwise, pointwiseConvAct } from '../../ops/pointwise_act/pointwise_act.ts';

export function ctcHeadNames(config: CtcHeadConfig): { w: string; b: string } {
  if (config.naming === 'paddle' && config.paddleLinear !== undefined) return { w: `${config.paddleLinear}.w_0`, b: `${config.paddleLinear}.b_0` };
  return config.naming === 'paddle' ? { w: 'ctc_fc_w_attr', b: 'ctc_fc_b_attr' } : { w: 'Prediction.weight', b: 'Prediction.bias' };
}

export class CtcHead implements Stage {
  readonly specs: ParamSpec[];

  constructor(
    readonly config: CtcHeadConfig,
    readonly inFeatures: number,
    readonly outChannels: number,
  ) {
    const n = ctcHeadNames(config);
    this.specs = [linearSpec(n.w, inFeatures, outChannels), vecSpec(n.b, outChannels)];
  }

  compile(params: Params): CompiledStage {
    const n = ctcHeadNames(this.config);
    const w = getParam(params, n.w).clone();
    const b = getParam(params, n.b).clone();
    return {
      /** [T, B, F] → logits [B, T, C]. */
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          const [t, bs, f] = x.shape as [number, number, number];
          const rows = tf.reshape(swapLeading(x), [bs * t, f]);
          // Inference on wasm: the product and the bias in one SIMD kernel (a 1×1 conv over the B·T rows).
          const logits = canFusePointwise() ? pointwiseConvAct(tf.reshape(rows, [1, 1, bs * t, f]), w, b, 'linear') : tf.add(tf.matMul(rows, w), b);
          return tf.reshape(logits, [bs, t, this.outChannels]);
        }),
      dispose: () => {
        w.dispose();
        b.dispose();
      },
    };
  }
}
