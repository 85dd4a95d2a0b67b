/**
 * GA-SPIN (docs/models.md §7.1–7.4; SPIN arXiv 2005.13117; DAVAR `GA_SPIN_Transformer` with offsets=True,
 * PaddleOCR `GA_SPIN`): from the same input x,
 *   feat = spt_convnet(x)                         [B, H/8, W/8, 128]
 *   v = stucture_fc2(stucture_fc1(feat))          [B, 2K+1 + 1 + 40]: power weights w, AIN gate logit, C′
 *   x_off = upsample(σ(maxpool(offset_fc2(offset_fc1(feat)))))   [B, H, W, C] (half-pixel bilinear)
 *   y = spinColor(x, w, {offsets: x_off, gate: σ(logit)});  out = gridSample(y, tpsGrid(C′)) (border).
 * With `locDownscale: 2` (webstr's fast variant, docs/models.md §7.4) spt_convnet reads avgPool2×2(x) and every
 * max-pool of both branches pads 'same'; spinColor and the warp still see x.
 * Names: `Transformation.` + DAVAR/PaddleOCR's attribute names (`spt_convnet.<i>`, `stucture_fc1.<i>` (sic),
 * `stucture_fc2`, `offset_fc1.<i>`, `offset_fc2`). The InstanceNorm affine and `ex_fc` of PaddleOCR (248
 * parameters, identity at init and never trained for ex_fc) are not part of the preset (docs/models.md §7.4).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { gridSample } from '../../ops/grid_sample/grid_sample.ts';
import { spinColor } from '../../ops/spin_color/spin_color.ts';
import { TPS_FIDUCIALS, tpsGrid } from '../../ops/tps/tps.ts';
import type { GaSpinConfig } from '../config.ts';
import { batchNormTrain, convAct, disposeConv, foldConvBn, type BatchBn, type FoldedConv } from '../nn.ts';
import { bnSpecs, convSpec, gaspinInitialBias, getParam, linearSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

const P = 'Transformation';

export const GASPIN_BUFFERS = [`${P}.GridGenerator.inv_delta_C`, `${P}.GridGenerator.P_hat`];

function bn(prefix: string): [string, string, string, string] {
  return [`${prefix}.weight`, `${prefix}.bias`, `${prefix}.running_mean`, `${prefix}.running_var`];
}

/** Conv i (0..5): the first three in `spt_convnet`, the rest in `stucture_fc1`, each at Sequential index 4·(i mod 3). */
function convNames(i: number): { w: string; bn: [string, string, string, string] } {
  const seq = i < 3 ? 'spt_convnet' : 'stucture_fc1';
  const k = 4 * (i % 3);
  return { w: `${P}.${seq}.${k}.weight`, bn: bn(`${P}.${seq}.${k + 1}`) };
}
const FC1 = { w: `${P}.stucture_fc1.13.weight`, b: `${P}.stucture_fc1.13.bias`, bn: bn(`${P}.stucture_fc1.14`) };
export const GASPIN_FC2 = { w: `${P}.stucture_fc2.weight`, b: `${P}.stucture_fc2.bias` };
const OFF1 = { w: `${P}.offset_fc1.0.weight`, bn: bn(`${P}.offset_fc1.1`) };
const OFF2 = { w: `${P}.offset_fc2.weight`, b: `${P}.offset_fc2.bias` };

/** Interpolation matrix [out, in] of a half-pixel-centres bilinear resize with edge clamping (tfjs/OpenCV). */
export function bilinearMatrix(outN: number, inN: number): Float32Array {
  const m = new Float32Array(outN * inN);
  const scale = inN / outN;
  for (let r = 0; r < outN; r++) {
    const src = (r + 0.5) * scale - 0.5;
    const lo = Math.max(0, Math.floor(src));
    const hi = Math.min(inN - 1, Math.ceil(src));
    const f = src - lo;
    m[r * inN + lo]! += 1 - f;
    m[r * inN + hi]! += f;
  }
  return m;
}

/** x [B, h, w, C] → [B, H, W, C], equal to `resizeBilinear(x, [H, W], false, true)`, differentiable by matMul. */
export function resizeBilinearMatmul(x: Tensor, H: number, W: number): Tensor {
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const rw = tf.tensor2d(bilinearMatrix(W, w), [W, w]);
  const rh = tf.tensor2d(bilinearMatrix(H, h), [H, h]);
  const t = tf.matMul(tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [b * c * h, w]), rw, false, true); // [B·C·h, W]
  const u = tf.matMul(tf.reshape(tf.transpose(tf.reshape(t, [b * c, h, W]), [0, 2, 1]), [b * c * W, h]), rh, false, true); // [B·C·W, H]
  return tf.transpose(tf.reshape(u, [b, c, W, H]), [0, 3, 2, 1]);
}

export class GaSpin implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;
  /** 2K+1 power weights. */
  private readonly nw: number;

  constructor(readonly config: GaSpinConfig) {
    let inC = config.inChannels;
    config.channels.forEach((c, i) => {
      const n = convNames(i);
      this.specs.push(convSpec(n.w, [3, 3, inC, c]), ...bnSpecs(n.bn, c));
      inC = c;
    });
    this.nw = 2 * config.K + 1;
    const out = this.nw + 1 + 2 * TPS_FIDUCIALS;
    this.specs.push(linearSpec(FC1.w, inC, config.fc), vecSpec(FC1.b, config.fc), ...bnSpecs(FC1.bn, config.fc));
    // fc2 init (§6.1): weights 0, bias = initialBias() for training from scratch.
    this.specs.push({ ...linearSpec(GASPIN_FC2.w, config.fc, out), init: 'zeros' }, vecSpec(GASPIN_FC2.b, out, 'gaspin_fc2'));
    const featC = config.channels[2];
    this.specs.push(convSpec(OFF1.w, [3, 3, featC, config.offsetChannels]), ...bnSpecs(OFF1.bn, config.offsetChannels));
    this.specs.push(convSpec(OFF2.w, [3, 3, config.offsetChannels, config.inChannels]), vecSpec(OFF2.b, config.inChannels));
    this.outChannels = config.inChannels;
  }

  /** fc2's initial bias (§6.1): [0 ×2K, 5 (β = 1), −5 (λ ≈ 0.0067), the 40 RARE fiducials]. */
  initialBias(): Float32Array {
    return gaspinInitialBias(this.nw + 1 + 2 * TPS_FIDUCIALS);
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const { bnEps: eps, alignCorners, padding, K } = this.config;
    const convs: FoldedConv[] = this.config.channels.map((_, i) => foldConvBn(params, convNames(i).w, convNames(i).bn, eps, { pad: 1, train }));
    const off1 = foldConvBn(params, OFF1.w, OFF1.bn, eps, { pad: 1, train });
    const off2 = foldConvBn(params, OFF2.w, null, eps, { pad: 1, bias: OFF2.b, train });
    // Training with batch statistics: BatchNorm1d after fc1 runs on the batch (not folded).
    const fc1Bn: BatchBn | null =
      train?.batchNorm === 'batch'
        ? { gamma: getParam(params, FC1.bn[0]), beta: getParam(params, FC1.bn[1]), mean: FC1.bn[2], variance: FC1.bn[3], eps, train }
        : null;
    const w = tf.tidy(() => {
      if (fc1Bn !== null) {
        return {
          fc1W: getParam(params, FC1.w).clone(),
          fc1B: getParam(params, FC1.b).clone(),
          fc2W: getParam(params, GASPIN_FC2.w).clone(),
          fc2B: getParam(params, GASPIN_FC2.b).clone(),
        };
      }
      // BatchNorm1d after fc1, folded: w' = w·k, b' = (b − μ)·k + β with k = γ/√(σ² + ε).
      const [g, beta, mu, v] = FC1.bn.map((n) => getParam(params, n)) as [Tensor, Tensor, Tensor, Tensor];
      const k = tf.div(g, tf.sqrt(tf.add(v, eps)));
      return {
        fc1W: tf.mul(getParam(params, FC1.w), k),
        fc1B: tf.add(tf.mul(tf.sub(getParam(params, FC1.b), mu), k), beta),
        fc2W: getParam(params, GASPIN_FC2.w).clone(),
        fc2B: getParam(params, GASPIN_FC2.b).clone(),
      };
    });
    const nw = this.nw;
    const half = this.config.locDownscale === 2;
    const pad = half ? 'same' : 'valid';
    return {
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          const [b, h, wd] = x.shape as [number, number, number, number];
          let feat = half ? tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') : x;
          for (let i = 0; i < 3; i++) feat = tf.maxPool(convAct(feat, convs[i]!, 'relu') as tf.Tensor4D, 2, 2, pad); // [B, H/8, W/8, 128] (H/16… when half)
          let y = feat;
          for (let i = 3; i < 6; i++) {
            y = convAct(y, convs[i]!, 'relu');
            if (i < 5) y = tf.maxPool(y as tf.Tensor4D, 2, 2, pad);
          }
          let fc1 = tf.add(tf.matMul(tf.mean(y, [1, 2]), w.fc1W), w.fc1B); // [B, fc]
          if (fc1Bn !== null) fc1 = batchNormTrain(fc1, fc1Bn);
          fc1 = tf.relu(fc1);
          const v = tf.add(tf.matMul(fc1, w.fc2W), w.fc2B); // [B, 2K+1 + 1 + 2F]
          const weights = tf.slice(v, [0, 0], [b, nw]);
          const gate = tf.sigmoid(tf.reshape(tf.slice(v, [0, nw], [b, 1]), [b]));
          const fid = tf.reshape(tf.slice(v, [0, nw + 1], [b, 2 * TPS_FIDUCIALS]), [b, TPS_FIDUCIALS, 2]);
          const o = tf.sigmoid(tf.maxPool(convAct(convAct(feat, off1, 'relu'), off2, 'linear') as tf.Tensor4D, 2, 2, pad));
          // Training: the same half-pixel bilinear resize as two matMuls (tfjs 4.22's cpu
          // ResizeBilinearGrad returns the gradient with height and width swapped).
          const offsets = train === undefined ? tf.image.resizeBilinear(o, [h, wd], false, true) : resizeBilinearMatmul(o, h, wd); // [B, H, W, C]
          const colour = spinColor(x, weights, { offsets, gate, K });
          return gridSample(colour, tpsGrid(fid, h, wd), { alignCorners, padding }); // [B, H, W, C]
        }),
      dispose: () => {
        convs.forEach(disposeConv);
        disposeConv(off1);
        disposeConv(off2);
        tf.dispose(Object.values(w));
      },
    };
  }
}
