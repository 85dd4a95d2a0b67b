/**
 * MobileNetV3 for recognition (PaddleOCR `ppocr/modeling/backbones/rec_mobilenet_v3.py`, Howard et al. 2019):
 * stem conv-BN-act, residual units (expand 1×1 → depthwise k×k → SE → project 1×1, BN after each conv),
 * conv_last 1×1-BN-act, maxpool 2×2/2. Strides (2,1) keep the width, so T = W/4 for the en mobile model.
 * Parameter names are Paddle's (`conv{n}_{expand,depthwise,linear}_{weights,bn_*}`, `conv{n}_se_{1,2}_*`).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { MobileNetV3Config } from '../config.ts';
import { convAct, disposeConv, foldConvBn, hardSigmoidPaddle, isPointwise, type FoldedConv } from '../nn.ts';
import { canFusePointwise, pointwiseConvAct } from '../../ops/pointwise_act/pointwise_act.ts';
import { canFuseSe, squeezeExcite } from '../../ops/se_block/se_block.ts';
import { canFuseMv3Unit, mv3Unit } from '../../ops/mv3_unit/mv3_unit.ts';
import { canFuseMv3Backbone, mv3Backbone, packMv3Backbone, type Mv3BackbonePack } from '../../ops/mv3_unit/backbone.ts';
import { bnSpecs, convSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

function bnNames(prefix: string): [string, string, string, string] {
  return [`${prefix}_bn_scale`, `${prefix}_bn_offset`, `${prefix}_bn_mean`, `${prefix}_bn_variance`];
}

export function seMid(channels: number, reduction: number): number {
  return Math.floor(channels / reduction);
}

export class MobileNetV3 implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;

  constructor(readonly config: MobileNetV3Config) {
    const c = config;
    const s = this.specs;
    s.push(convSpec('conv1_weights', [3, 3, c.inChannels, c.stem.out]), ...bnSpecs(bnNames('conv1'), c.stem.out));
    let inC = c.stem.out;
    c.blocks.forEach((b, i) => {
      const n = `conv${i + 2}`;
      s.push(convSpec(`${n}_expand_weights`, [1, 1, inC, b.expand]), ...bnSpecs(bnNames(`${n}_expand`), b.expand));
      s.push(convSpec(`${n}_depthwise_weights`, [b.kernel, b.kernel, b.expand, 1], true));
      s.push(...bnSpecs(bnNames(`${n}_depthwise`), b.expand));
      if (b.se) {
        const mid = seMid(b.expand, c.seReduction);
        s.push(convSpec(`${n}_se_1_weights`, [1, 1, b.expand, mid]), vecSpec(`${n}_se_1_offset`, mid));
        s.push(convSpec(`${n}_se_2_weights`, [1, 1, mid, b.expand]), vecSpec(`${n}_se_2_offset`, b.expand));
      }
      s.push(convSpec(`${n}_linear_weights`, [1, 1, b.expand, b.out]), ...bnSpecs(bnNames(`${n}_linear`), b.out));
      inC = b.out;
    });
    s.push(convSpec('conv_last_weights', [1, 1, inC, c.lastChannels]), ...bnSpecs(bnNames('conv_last'), c.lastChannels));
    this.outChannels = c.lastChannels;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const c = this.config;
    const eps = c.bnEps;
    const stem = foldConvBn(params, 'conv1_weights', bnNames('conv1'), eps, { stride: c.stem.stride, pad: 1, train });
    interface Unit {
      expand: FoldedConv;
      dw: FoldedConv;
      se: { w1: FoldedConv; w2: FoldedConv } | null;
      linear: FoldedConv;
    }
    const units: Unit[] = c.blocks.map((b, i) => {
      const n = `conv${i + 2}`;
      const p = Math.floor(b.kernel / 2);
      return {
        expand: foldConvBn(params, `${n}_expand_weights`, bnNames(`${n}_expand`), eps, { train }),
        dw: foldConvBn(params, `${n}_depthwise_weights`, bnNames(`${n}_depthwise`), eps, { depthwise: true, stride: b.stride, pad: p, train }),
        se: b.se
          ? {
              w1: foldConvBn(params, `${n}_se_1_weights`, null, eps, { bias: `${n}_se_1_offset`, train }),
              w2: foldConvBn(params, `${n}_se_2_weights`, null, eps, { bias: `${n}_se_2_offset`, train }),
            }
          : null,
        linear: foldConvBn(params, `${n}_linear_weights`, bnNames(`${n}_linear`), eps, { train }),
      };
    });
    const last = foldConvBn(params, 'conv_last_weights', bnNames('conv_last'), eps, { train });
    /** A unit whose layers the one-unit kernel (and so the backbone kernel) can run: folded 1×1s and a plain depthwise. */
    const oneKernel = (u: Unit): boolean => isPointwise(u.expand) && isPointwise(u.linear) && u.dw.depthwise && u.dw.bn === undefined && u.dw.filter.shape[3] === 1;
    // Inference on wasm: the whole backbone as one kernel, its weights packed into one tensor kept with the stage.
    const wholeFusable =
      train === undefined &&
      !stem.depthwise &&
      stem.bn === undefined &&
      isPointwise(last) &&
      units.every(oneKernel);
    let packed: Mv3BackbonePack | null = null;
    const pack = (): Mv3BackbonePack => {
      if (packed === null) {
        packed = packMv3Backbone({
          stem: { filter: stem.filter, bias: stem.bias, stride: stem.stride, pad: stem.pad, act: c.stem.act },
          units: units.map((u, i) => ({
            expand: u.expand,
            depthwise: u.dw,
            se: u.se,
            linear: u.linear,
            act: c.blocks[i]!.act,
            residual: c.blocks[i]!.shortcut,
          })),
          last: { filter: last.filter, bias: last.bias, act: c.lastAct },
          pool: [2, 2],
        });
        tf.keep(packed.pack); // made inside apply's tidy when packed on first use
      }
      return packed;
    };
    // Packed now where the kernel can run (the model's tensors are all made at compile), else on first use.
    if (wholeFusable && canFuseMv3Backbone()) pack();
    return {
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          if (wholeFusable && canFuseMv3Backbone()) return mv3Backbone(x, pack()); // [B, 1, W/4, last], one kernel
          let y = convAct(x, stem, c.stem.act); // [B, H/2, W/2, stem]
          const fuseUnits = canFuseMv3Unit();
          units.forEach((u, i) => {
            const b = c.blocks[i]!;
            const inp = y;
            if (fuseUnits && oneKernel(u)) {
              // Inference on wasm: the whole unit as one kernel (the same bits as the kernels below).
              const se = u.se === null ? null : { w1: u.se.w1.filter, b1: u.se.w1.bias, w2: u.se.w2.filter, b2: u.se.w2.bias };
              y = mv3Unit(inp, { expand: u.expand, depthwise: u.dw, se, linear: u.linear }, b.act, b.shortcut);
              return;
            }
            let h = convAct(inp, u.expand, b.act); // [B, H, W, expand]
            h = convAct(h, u.dw, b.act); // [B, H/sh, W/sw, expand]
            if (u.se !== null && canFuseSe()) {
              h = squeezeExcite(h, u.se.w1.filter, u.se.w1.bias, u.se.w2.filter, u.se.w2.bias); // one SIMD kernel, and one for its gradient (wasm)
            } else if (u.se !== null) {
              let s = tf.mean(h, [1, 2], true); // [B, 1, 1, expand]
              s = convAct(s, u.se.w1, 'relu'); // [B, 1, 1, mid]
              s = hardSigmoidPaddle(convAct(s, u.se.w2, 'linear')); // [B, 1, 1, expand]
              h = tf.mul(h, s);
            }
            if (b.shortcut && isPointwise(u.linear) && canFusePointwise()) {
              y = pointwiseConvAct(h, u.linear.filter, u.linear.bias, 'linear', { residual: inp }); // the residual added in the same kernel
            } else {
              h = convAct(h, u.linear, 'linear'); // [B, H', W', out]
              y = b.shortcut ? tf.add(inp, h) : h;
            }
          });
          y = convAct(y, last, c.lastAct); // [B, 2, W/2, last]
          return tf.maxPool(y as tf.Tensor4D, [2, 2], [2, 2], 'valid'); // [B, 1, W/4, last]
        }),
      dispose: () => {
        packed?.dispose();
        packed = null;
        disposeConv(stem);
        disposeConv(last);
        for (const u of units) {
          disposeConv(u.expand);
          disposeConv(u.dw);
          disposeConv(u.linear);
          if (u.se !== null) {
            disposeConv(u.se.w1);
            disposeConv(u.se.w2);
          }
        }
      },
    };
  }
}
