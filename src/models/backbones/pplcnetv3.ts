/**
 * PPLCNetV3 (PaddleOCR PP-OCRv4 mobile recognizer) in its exported inference form. Each conv of a unit
 * carries a bias (the training-time branches are already merged) and is followed by a learnable scalar
 * affine (`mobile_one_block_k`: w_0 scale, w_1 bias), hardswish and a second scalar affine
 * (`whswish_b_{k+1}`). The first affine is folded into the conv at compile time (exact: it acts on the
 * conv's output); the second runs as a multiply-add because folding its bias forward would be wrong at
 * the zero-padded borders of the next depthwise conv. Stem conv 3×3/2 + BN without activation; SE with
 * ReLU and hardsigmoid(x/6 + 1/2); ends with an average pool (3×2 for 48-pixel-high input → height 1).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { PpLcNetV3Config } from '../config.ts';
import { convAct, disposeConv, foldConvBn, isPointwise, type FoldedConv } from '../nn.ts';
import { canFusePointwise, pointwiseConvAct } from '../../ops/pointwise_act/pointwise_act.ts';
import { canFuseAffine, depthwiseConvAct, hardSwishAffine, type HardSwishAffine } from '../../ops/depthwise_act/depthwise_act.ts';
import { canFuseSe, squeezeExcite } from '../../ops/se_block/se_block.ts';

/** The slope of PPLCNetV3's hard sigmoid x/6 + 1/2 (hardSigmoid6), as the fused SE kernel takes it. */
const SLOPE6 = Math.fround(1 / 6);
import { bnSpecs, convSpec, getParam, paddleBnNames, plainSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

/** Names of conv k of the units (k = 2·block for the depthwise conv, 2·block + 1 for the pointwise). */
export function lcnetConvNames(c: PpLcNetV3Config, k: number): { w: string; b: string; scale: string; shift: string; actScale: string; actShift: string } {
  const conv = `conv2d_${c.names.convStart + k}`;
  return {
    w: `${conv}.w_0`,
    b: `${conv}.b_0`,
    scale: `mobile_one_block_${k}.w_0`,
    shift: `mobile_one_block_${k}.w_1`,
    actScale: `whswish_b_${k + 1}.w_0`,
    actShift: `whswish_b_${k + 1}.w_1`,
  };
}

export function hardSigmoid6(x: Tensor): Tensor {
  return tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1);
}

interface ConvUnit {
  conv: FoldedConv;
  /** The second affine's scale over 6 (hardswish's division folded in). */
  actScale6: Tensor;
  actShift: Tensor;
  /** actScale6 and actShift as numbers, read on the first fused call (wasm: a cheap read). */
  affine?: HardSwishAffine;
}

/** Conv (bias) with the first affine folded in: w·s, b·s + t (differentiable in s and t). */
function foldAffine(params: Params, c: PpLcNetV3Config, k: number, opts: { depthwise: boolean; stride: [number, number]; pad: number; train: TrainMode | undefined }): ConvUnit {
  const n = lcnetConvNames(c, k);
  const base = foldConvBn(params, n.w, null, c.bnEps, { depthwise: opts.depthwise, bias: n.b, stride: opts.stride, pad: opts.pad, train: opts.train });
  const [filter, bias] = tf.tidy((): [Tensor, Tensor] => {
    const s = tf.reshape(getParam(params, n.scale), []);
    const t = tf.reshape(getParam(params, n.shift), []);
    return [tf.mul(base.filter, s), tf.add(tf.mul(base.bias, s), t)];
  });
  disposeConv(base);
  return {
    conv: { ...base, filter, bias },
    actScale6: tf.tidy(() => tf.div(tf.reshape(getParam(params, n.actScale), []), 6)),
    actShift: tf.reshape(getParam(params, n.actShift), []),
  };
}

/**
 * conv → hardswish → affine as x·clip(x + 3, 0, 6)·(a/6) + c. Inference on wasm fuses it (into the
 * depthwise kernel, or one SIMD pass after a pointwise conv: five tfjs kernels and four passes over the
 * map fewer per conv); elsewhere the backends' own elementwise ops run it (on wasm ~3× faster than the
 * project's TypeScript hardSwish loop, which once cost as much as all the convs of this backbone).
 */
function runUnit(x: Tensor, u: ConvUnit): Tensor {
  if (canFuseAffine()) {
    // Inference on wasm: the activation and affine in the depthwise kernel, or one pass after the
    // pointwise conv (tfjs's XNNPACK conv stays): the same float32 operations in the same order.
    u.affine ??= { scale6: u.actScale6.dataSync()[0]!, shift: u.actShift.dataSync()[0]! };
    const c = u.conv;
    if (c.depthwise && c.bn === undefined) return depthwiseConvAct(x, c.filter, c.bias, c.stride, c.pad, 'hardswish-affine', u.affine);
    if (isPointwise(c) && canFusePointwise()) return pointwiseConvAct(x, c.filter, c.bias, 'hardswish-affine', { affine: u.affine });
    return hardSwishAffine(convAct(x, c, 'linear'), u.affine);
  }
  const y = convAct(x, u.conv, 'linear');
  return tf.add(tf.mul(tf.mul(y, tf.clipByValue(tf.add(y, 3), 0, 6)), u.actScale6), u.actShift);
}

function disposeUnit(u: ConvUnit): void {
  disposeConv(u.conv);
  u.actScale6.dispose();
  u.actShift.dispose();
}

export class PpLcNetV3 implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;

  constructor(readonly config: PpLcNetV3Config) {
    const c = config;
    const s = this.specs;
    s.push(convSpec(`${c.names.stemConv}.w_0`, [3, 3, c.inChannels, c.stem.out]), ...bnSpecs(paddleBnNames(c.names.stemBn), c.stem.out));
    const affine = (name: string): ParamSpec => plainSpec(name, [1], 'ones');
    const shift = (name: string): ParamSpec => vecSpec(name, 1);
    let inC = c.stem.out;
    let seIndex = 0;
    c.blocks.forEach((b, i) => {
      const dw = lcnetConvNames(c, 2 * i);
      s.push(convSpec(dw.w, [b.kernel, b.kernel, inC, 1], true), vecSpec(dw.b, inC));
      s.push(affine(dw.scale), shift(dw.shift), affine(dw.actScale), shift(dw.actShift));
      if (b.se) {
        const se = c.names.se[seIndex++];
        if (se === undefined) throw new Error(`pplcnetv3: block ${i} has an SE module but names.se has only ${c.names.se.length} entries`);
        const mid = Math.floor(inC / c.seReduction);
        s.push(convSpec(`conv2d_${se[0]}.w_0`, [1, 1, inC, mid]), vecSpec(`conv2d_${se[0]}.b_0`, mid));
        s.push(convSpec(`conv2d_${se[1]}.w_0`, [1, 1, mid, inC]), vecSpec(`conv2d_${se[1]}.b_0`, inC));
      }
      const pw = lcnetConvNames(c, 2 * i + 1);
      s.push(convSpec(pw.w, [1, 1, inC, b.out]), vecSpec(pw.b, b.out));
      s.push(affine(pw.scale), shift(pw.shift), affine(pw.actScale), shift(pw.actShift));
      inC = b.out;
    });
    this.outChannels = inC;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const c = this.config;
    const stem = foldConvBn(params, `${c.names.stemConv}.w_0`, paddleBnNames(c.names.stemBn), c.bnEps, { stride: c.stem.stride, pad: 1, train });
    interface Unit {
      dw: ConvUnit;
      se: { w1: FoldedConv; w2: FoldedConv } | null;
      pw: ConvUnit;
    }
    let seIndex = 0;
    const units: Unit[] = c.blocks.map((b, i) => {
      const se = b.se ? c.names.se[seIndex++]! : null;
      return {
        dw: foldAffine(params, c, 2 * i, { depthwise: true, stride: b.stride, pad: Math.floor(b.kernel / 2), train }),
        se:
          se === null
            ? null
            : {
                w1: foldConvBn(params, `conv2d_${se[0]}.w_0`, null, c.bnEps, { bias: `conv2d_${se[0]}.b_0`, train }),
                w2: foldConvBn(params, `conv2d_${se[1]}.w_0`, null, c.bnEps, { bias: `conv2d_${se[1]}.b_0`, train }),
              },
        pw: foldAffine(params, c, 2 * i + 1, { depthwise: false, stride: [1, 1], pad: 0, train }),
      };
    });
    const [ph, pw] = c.pool;
    return {
      /**
       * [B, H, W, C] → [B, H/16/ph, W/4/pw, out] (48×W → 1×W/8). One scope per unit, and each unit's
       * input freed once its output exists: a single scope would keep every intermediate map of the
       * 28 convs alive to the end (~3 GB of wasm heap for a batch of 32 at 48×320).
       */
      apply: (x: Tensor): Tensor => {
        let y = tf.tidy(() => convAct(x, stem, 'linear'));
        for (const u of units) {
          const prev = y;
          y = tf.tidy(() => {
            let h = runUnit(prev, u.dw);
            if (u.se !== null && canFuseSe() && canFuseAffine()) {
              // Inference on wasm: the whole SE block in one SIMD kernel (seven tfjs kernels otherwise).
              h = squeezeExcite(h, u.se.w1.filter, u.se.w1.bias, u.se.w2.filter, u.se.w2.bias, SLOPE6);
            } else if (u.se !== null) {
              let s = tf.mean(h, [1, 2], true);
              s = convAct(s, u.se.w1, 'relu');
              s = hardSigmoid6(convAct(s, u.se.w2, 'linear'));
              h = tf.mul(h, s);
            }
            return runUnit(h, u.pw);
          });
          prev.dispose();
        }
        const out = tf.tidy(() => avgPoolExact(y, ph, pw));
        y.dispose();
        return out;
      },
      dispose: () => {
        disposeConv(stem);
        for (const u of units) {
          disposeUnit(u.dw);
          disposeUnit(u.pw);
          if (u.se !== null) {
            disposeConv(u.se.w1);
            disposeConv(u.se.w2);
          }
        }
      },
    };
  }
}

/**
 * Average pool with kernel = stride = [ph, pw], no padding (floor), by reshaping: the rows and columns
 * past the last whole window are dropped, then each window is averaged. (4-D reshapes and a mean: no
 * reliance on the backends' pooling kernels with unequal strides.)
 */
export function avgPoolExact(x: Tensor, ph: number, pw: number): Tensor {
  const [b, h, w, ch] = x.shape as [number, number, number, number];
  const oh = Math.floor(h / ph);
  const ow = Math.floor(w / pw);
  let y = x;
  if (oh * ph !== h || ow * pw !== w) y = tf.slice(y, [0, 0, 0, 0], [b, oh * ph, ow * pw, ch]);
  // [B, oh, ph, ow·pw·C] → mean over the window rows → [B, oh, ow·pw·C]
  y = tf.mean(tf.reshape(y, [b * oh, ph, ow * pw * ch]), 1);
  // [B·oh·ow, pw, C] → mean over the window columns
  y = tf.mean(tf.reshape(y, [b * oh * ow, pw, ch]), 1);
  return tf.reshape(y, [b, oh, ow, ch]);
}
