/**
 * TPS transform of RARE (docs/models.md §4.5, §6.1; DTRB `modules/transformation.py`
 * `TPS_SpatialTransformerNetwork`): localisation network → fiducials C′ [B, 20, 2] → TPS grid →
 * gridSample. The rectified image has the input's size (as in every reference). Parameter names are
 * DTRB's `Transformation.LocalizationNetwork.{conv.<i>, localization_fc1.0, localization_fc2}`; DTRB's
 * `GridGenerator` buffers (`inv_delta_C`, `P_hat`) are constants we rebuild (ops/tps), not parameters.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { gridSample } from '../../ops/grid_sample/grid_sample.ts';
import { TPS_FIDUCIALS, tpsGrid } from '../../ops/tps/tps.ts';
import type { TpsConfig } from '../config.ts';
import { convAct, disposeConv, foldConvBn, type FoldedConv } from '../nn.ts';
import { bnSpecs, convSpec, getParam, linearSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

const P = 'Transformation.LocalizationNetwork';

/** Reference entries that are not parameters, skipped on import: DTRB's grid-generator buffers, and
 *  PaddleOCR's `ex_fc` (Linear 40→6, zero weights, learning rate 0: always outputs zeros; docs/models.md §4.5). */
export const TPS_BUFFERS = ['Transformation.GridGenerator.inv_delta_C', 'Transformation.GridGenerator.P_hat', 'ex_fc_w', 'ex_fc_b'];

interface LocNames {
  conv: (i: number) => string;
  bn: (i: number) => [string, string, string, string];
  fc1: { w: string; b: string };
  fc2: { w: string; b: string };
}

/** DTRB: conv i of the loc net sits at Sequential index 4i (conv, BN, ReLU, pool). PaddleOCR: ParamAttr
 *  names `loc_conv{i}_weights`, `loc_conv{i}_bn_{scale,offset,mean,variance}`, `loc_fc{1,2}_w`, `.b_0`. */
export function locNames(naming: TpsConfig['naming']): LocNames {
  if (naming === 'paddle') {
    return {
      conv: (i) => `loc_conv${i}_weights`,
      bn: (i) => [`loc_conv${i}_bn_scale`, `loc_conv${i}_bn_offset`, `loc_conv${i}_bn_mean`, `loc_conv${i}_bn_variance`],
      fc1: { w: 'loc_fc1_w', b: 'loc_fc1.b_0' },
      fc2: { w: 'loc_fc2_w', b: 'loc_fc2.b_0' },
    };
  }
  return {
    conv: (i) => `${P}.conv.${4 * i}.weight`,
    bn: (i) => {
      const p = `${P}.conv.${4 * i + 1}`;
      return [`${p}.weight`, `${p}.bias`, `${p}.running_mean`, `${p}.running_var`];
    },
    fc1: { w: `${P}.localization_fc1.0.weight`, b: `${P}.localization_fc1.0.bias` },
    fc2: { w: `${P}.localization_fc2.weight`, b: `${P}.localization_fc2.bias` },
  };
}

/** The localisation network shared by RARE's TPS (4 conv blocks → fc1 → fc2 = F·2 fiducials). */
export class Tps implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;

  private readonly names: LocNames;

  constructor(readonly config: TpsConfig) {
    const { conv: convName, bn: bnNames, fc1: FC1, fc2: FC2 } = (this.names = locNames(config.naming));
    let inC = config.inChannels;
    config.locChannels.forEach((c, i) => {
      this.specs.push(convSpec(convName(i), [3, 3, inC, c]), ...bnSpecs(bnNames(i), c));
      inC = c;
    });
    this.specs.push(linearSpec(FC1.w, inC, config.locFc), vecSpec(FC1.b, config.locFc));
    // fc2: weights 0, bias = RARE Fig. 6(a) fiducials (docs/models.md §6.1); trained weights replace both.
    this.specs.push({ ...linearSpec(FC2.w, config.locFc, 2 * TPS_FIDUCIALS), init: 'zeros' }, vecSpec(FC2.b, 2 * TPS_FIDUCIALS, 'rare_fiducials'));
    this.outChannels = config.inChannels;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const { conv: convName, bn: bnNames, fc1: FC1, fc2: FC2 } = this.names;
    const eps = this.config.bnEps;
    const convs: FoldedConv[] = this.config.locChannels.map((_, i) => foldConvBn(params, convName(i), bnNames(i), eps, { pad: 1, train }));
    const fc = [FC1.w, FC1.b, FC2.w, FC2.b].map((n) => getParam(params, n).clone()) as [Tensor, Tensor, Tensor, Tensor];
    const { alignCorners, padding } = this.config;
    return {
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          const [b, h, w] = x.shape as [number, number, number, number];
          let y = x;
          convs.forEach((c, i) => {
            y = convAct(y, c, 'relu');
            if (i < convs.length - 1) y = tf.maxPool(y as tf.Tensor4D, 2, 2, 'valid');
          });
          const feat = tf.mean(y, [1, 2]); // [B, C] (AdaptiveAvgPool2d(1))
          const h1 = tf.relu(tf.add(tf.matMul(feat, fc[0]), fc[1]));
          const fid = tf.reshape(tf.add(tf.matMul(h1, fc[2]), fc[3]), [b, TPS_FIDUCIALS, 2]); // [B, F, 2] (x, y)
          return gridSample(x, tpsGrid(fid, h, w), { alignCorners, padding }); // [B, H, W, C]
        }),
      dispose: () => {
        convs.forEach(disposeConv);
        tf.dispose(fc);
      },
    };
  }
}
