/**
 * PaddleOCR's SVTR neck (EncoderWithSVTR) for a feature map of height 1, NHWC inside. Takes the
 * sequence [T, B, C] the builder makes of the backbone's [B, 1, T, C] and returns [T, B, dims]:
 *   h = input; conv 1×k (C → C/8) + BN + swish; conv 1×1 (→ hidden) + BN + swish;
 *   depth × [x += proj(attention(LN(x))); x += fc2(swish(fc1(LN(x))))]; LN (final eps);
 *   conv 1×1 (hidden → C) + BN + swish; concat [h, ·] on channels; conv 1×k (2C → C/8) + BN + swish;
 *   conv 1×1 (→ dims) + BN + swish.
 * Attention: qkv = Linear(hidden → 3·hidden) split into q, k, v, each into `heads` heads of hidden/heads;
 * softmax(q·kᵀ · (hidden/heads)^−½) · v, heads concatenated, Linear proj. BN is folded into the convs
 * for inference (nn.ts), kept apart in a training forward with batch statistics. Inference on cpu and wasm
 * runs the whole neck as one kernel (src/ops/svtr_neck), the same maths.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { SvtrNeckConfig } from '../config.ts';
import { convAct, disposeConv, foldConvBn, type FoldedConv } from '../nn.ts';
import { canFuseSvtrNeck, svtrNeckFused } from '../../ops/svtr_neck/svtr_neck.ts';
import { bnSpecs, convSpec, getParam, linearSpec, paddleBnNames, plainSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

export interface SvtrNames {
  convs: { w: string; bn: [string, string, string, string] }[];
  blocks: { norm1: [string, string]; qkv: [string, string]; proj: [string, string]; norm2: [string, string]; fc1: [string, string]; fc2: [string, string] }[];
  norm: [string, string];
}

export function svtrNames(c: SvtrNeckConfig): SvtrNames {
  const n = c.names;
  const ln = (j: number): [string, string] => [`layer_norm_${n.layerNorm + j}.w_0`, `layer_norm_${n.layerNorm + j}.b_0`];
  const lin = (j: number): [string, string] => [`linear_${n.linear + j}.w_0`, `linear_${n.linear + j}.b_0`];
  return {
    convs: [0, 1, 2, 3, 4].map((k) => ({ w: `conv2d_${n.conv + k}.w_0`, bn: paddleBnNames(`batch_norm2d_${n.bn + k}`) })),
    blocks: Array.from({ length: c.depth }, (_, j) => ({
      norm1: ln(2 * j),
      qkv: lin(4 * j),
      proj: lin(4 * j + 1),
      norm2: ln(2 * j + 1),
      fc1: lin(4 * j + 2),
      fc2: lin(4 * j + 3),
    })),
    norm: ln(2 * c.depth),
  };
}

function swish(x: Tensor): Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** LayerNorm over the last axis: (x − μ)/√(σ² + ε)·γ + β. */
function layerNorm(x: Tensor, g: Tensor, b: Tensor, eps: number): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

/** x [N, F] · w [F, O] + b. */
function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return tf.add(tf.matMul(x, w), b);
}

export class SvtrNeck implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;
  private readonly names: SvtrNames;

  constructor(
    readonly config: SvtrNeckConfig,
    readonly inFeatures: number,
  ) {
    const c = config;
    if (c.hiddenDims % c.heads !== 0) throw new Error(`svtr: hiddenDims ${c.hiddenDims} is not a multiple of heads ${c.heads}`);
    const n = (this.names = svtrNames(c));
    const mid = Math.floor(inFeatures / 8);
    const convShapes: [number, number, number][] = [
      [c.kernel, inFeatures, mid],
      [1, mid, c.hiddenDims],
      [1, c.hiddenDims, inFeatures],
      [c.kernel, 2 * inFeatures, mid],
      [1, mid, c.dims],
    ];
    convShapes.forEach(([k, i, o], j) => {
      const cv = n.convs[j]!;
      this.specs.push(convSpec(cv.w, [1, k, i, o]), ...bnSpecs(cv.bn, o));
    });
    const ln = ([w, b]: [string, string], f: number): ParamSpec[] => [plainSpec(w, [f], 'ones'), vecSpec(b, f)];
    const lin = ([w, b]: [string, string], i: number, o: number): ParamSpec[] => [linearSpec(w, i, o), vecSpec(b, o)];
    const h = c.hiddenDims;
    for (const blk of n.blocks) {
      this.specs.push(...ln(blk.norm1, h), ...lin(blk.qkv, h, 3 * h), ...lin(blk.proj, h, h));
      this.specs.push(...ln(blk.norm2, h), ...lin(blk.fc1, h, c.mlpHidden), ...lin(blk.fc2, c.mlpHidden, h));
    }
    this.specs.push(...ln(n.norm, h));
    this.outChannels = c.dims;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const c = this.config;
    const n = this.names;
    const p = Math.floor(c.kernel / 2);
    const convs: FoldedConv[] = n.convs.map((cv, j) =>
      foldConvBn(params, cv.w, cv.bn, c.bnEps, { pad: j === 0 || j === 3 ? [0, 0, p, p] : 0, train }),
    );
    const get = (name: string): Tensor => getParam(params, name).clone();
    const pair = ([w, b]: [string, string]): [Tensor, Tensor] => [get(w), get(b)];
    const blocks = n.blocks.map((b) => ({
      norm1: pair(b.norm1),
      qkv: pair(b.qkv),
      proj: pair(b.proj),
      norm2: pair(b.norm2),
      fc1: pair(b.fc1),
      fc2: pair(b.fc2),
    }));
    const norm = pair(n.norm);
    const hd = c.hiddenDims;
    const heads = c.heads;
    const dh = hd / heads;
    const scale = dh ** -0.5;
    return {
      /** [T, B, C] → [T, B, dims]. */
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          if (train === undefined && canFuseSvtrNeck()) {
            const weights = { convs, blocks, norm };
            return svtrNeckFused(x, weights, { heads, kernel: c.kernel, lnEps: c.lnEps, finalLnEps: c.finalLnEps });
          }
          const [t, bs, ch] = x.shape as [number, number, number];
          const h = tf.reshape(tf.transpose(x, [1, 0, 2]), [bs, 1, t, ch]); // NHWC, height 1
          let z = swish(convAct(h, convs[0]!, 'linear'));
          z = swish(convAct(z, convs[1]!, 'linear')); // [B, 1, T, hidden]
          let s = tf.reshape(z, [bs * t, hd]); // tokens
          for (const b of blocks) {
            const a = linear(layerNorm(s, b.norm1[0], b.norm1[1], c.lnEps), b.qkv[0], b.qkv[1]); // [B·T, 3·hidden]
            const [q, k, v] = tf.split(a, 3, 1).map((u) => tf.reshape(tf.transpose(tf.reshape(u, [bs, t, heads, dh]), [0, 2, 1, 3]), [bs * heads, t, dh])) as [Tensor, Tensor, Tensor];
            const att = tf.softmax(tf.matMul(tf.mul(q, scale), k, false, true)); // [B·heads, T, T]
            const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [bs, heads, t, dh]), [0, 2, 1, 3]), [bs * t, hd]);
            s = tf.add(s, linear(o, b.proj[0], b.proj[1]));
            const m = linear(swish(linear(layerNorm(s, b.norm2[0], b.norm2[1], c.lnEps), b.fc1[0], b.fc1[1])), b.fc2[0], b.fc2[1]);
            s = tf.add(s, m);
          }
          s = layerNorm(s, norm[0], norm[1], c.finalLnEps);
          z = swish(convAct(tf.reshape(s, [bs, 1, t, hd]), convs[2]!, 'linear')); // [B, 1, T, C]
          z = swish(convAct(tf.concat([h, z], 3), convs[3]!, 'linear'));
          z = swish(convAct(z, convs[4]!, 'linear')); // [B, 1, T, dims]
          return tf.transpose(tf.reshape(z, [bs, t, c.dims]), [1, 0, 2]);
        }),
      dispose: () => {
        for (const cv of convs) disposeConv(cv);
        for (const b of blocks) tf.dispose([...b.norm1, ...b.qkv, ...b.proj, ...b.norm2, ...b.fc1, ...b.fc2]);
        tf.dispose(norm);
      },
    };
  }
}
