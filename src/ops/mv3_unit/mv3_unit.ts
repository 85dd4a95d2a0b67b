/**
 * `mv3Unit`: one MobileNetV3 unit at inference (1×1 expand + activation → depthwise K×K + activation →
 * optional squeeze-and-excitation → 1×1 linear projection, + the input when the unit has a shortcut) as one
 * kernel on wasm (wasm/simd.c `mv3_unit`): the same SIMD routines as `pointwiseConvAct`,
 * `depthwiseConvAct` and `squeezeExcite`, called back to back on heap scratch, so the unit's output equals
 * theirs bit for bit while tfjs dispatches one kernel instead of three or four and the intermediate maps
 * never become tensors. Inference only; `canFuseMv3Unit` says when.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { canFusePointwise } from '../pointwise_act/pointwise_act.ts';
import { canFuseSe, PADDLE_SLOPE } from '../se_block/se_block.ts';

export const MV3_UNIT = 'WebstrMv3Unit';

let enabled = true;

/** Switches the one-kernel unit off and on again (the separate kernels then run): for before/after measurements. */
export function setMv3UnitFusionEnabled(on: boolean): void {
  enabled = on;
}

/** True where a unit runs as one kernel: inference on wasm with the SIMD module, the per-layer fusions on. */
export function canFuseMv3Unit(): boolean {
  // canFusePointwise and canFuseSe each include canFuseDepthwise (inference, wasm, the SIMD module).
  return enabled && canFusePointwise() && canFuseSe() && tf.getKernel(MV3_UNIT, tf.getBackend()) !== undefined;
}

export interface Mv3UnitWeights {
  /** [1, 1, Cin, E] (or [Cin, E]) and [E]. */
  expand: { filter: Tensor; bias: Tensor };
  /** [K, K, E, 1] and [E]; strides and [top, bottom, left, right] padding. */
  depthwise: { filter: Tensor; bias: Tensor; stride: [number, number]; pad: [number, number, number, number] };
  /** w1 [E, M] (any leading 1s), b1 [M], w2 [M, E], b2 [E]; the hard sigmoid's slope (Paddle's 0.2 by default). */
  se: { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor; slope?: number } | null;
  /** [1, 1, E, Cout] (or [E, Cout]) and [Cout]. */
  linear: { filter: Tensor; bias: Tensor };
}

const ACTS = { relu: 1, hardswish: 2 } as const;

/** x [B, H, W, Cin] → [B, OH, OW, Cout]; `residual` adds x (then Cin = Cout and the depthwise strides are 1). */
export function mv3Unit(x: Tensor, u: Mv3UnitWeights, act: keyof typeof ACTS, residual: boolean): Tensor {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`mv3Unit: ${what}`);
  };
  if (x.rank !== 4 || x.dtype !== 'float32') bad(`x must be float32 [B, H, W, C], got ${x.dtype} [${x.shape.join(', ')}]`);
  if (ACTS[act] === undefined) bad(`activation must be 'relu' or 'hardswish', got ${String(act)}`);
  const all = [u.expand.filter, u.expand.bias, u.depthwise.filter, u.depthwise.bias, u.linear.filter, u.linear.bias, ...(u.se === null ? [] : [u.se.w1, u.se.b1, u.se.w2, u.se.b2])];
  if (all.some((t) => t.dtype !== 'float32')) bad('every weight must be float32');
  const [cin, e, cout] = [x.shape[3]!, u.expand.bias.shape[0], u.linear.bias.shape[0]];
  const mat = (t: Tensor, r: number, c: number): boolean => t.size === r * c && t.shape[t.rank - 2] === r && t.shape[t.rank - 1] === c;
  if (!mat(u.expand.filter, cin, e) || u.expand.bias.rank !== 1) bad(`expand must be [1, 1, ${cin}, E] with bias [E], got [${u.expand.filter.shape.join(', ')}] and [${u.expand.bias.shape.join(', ')}]`);
  const [k, kw, ce, mult] = u.depthwise.filter.shape;
  if (u.depthwise.filter.rank !== 4 || k !== kw || ce !== e || mult !== 1 || u.depthwise.bias.rank !== 1 || u.depthwise.bias.shape[0] !== e) {
    bad(`depthwise must be [K, K, ${e}, 1] with bias [${e}], got [${u.depthwise.filter.shape.join(', ')}] and [${u.depthwise.bias.shape.join(', ')}]`);
  }
  if (!mat(u.linear.filter, e, cout) || u.linear.bias.rank !== 1) bad(`linear must be [1, 1, ${e}, N] with bias [N], got [${u.linear.filter.shape.join(', ')}] and [${u.linear.bias.shape.join(', ')}]`);
  const [sh, sw] = u.depthwise.stride;
  const [pt, pb, pl, pr] = u.depthwise.pad;
  const ints = [sh, sw, pt, pb, pl, pr];
  if (ints.some((v) => !Number.isInteger(v) || v < 0) || sh < 1 || sw < 1) bad(`strides ≥ 1 and paddings ≥ 0 must be integers, got [${u.depthwise.stride.join(', ')}] and [${u.depthwise.pad.join(', ')}]`);
  const [h, w] = [x.shape[1]!, x.shape[2]!];
  if (h + pt + pb < k || w + pl + pr < k) bad(`the ${k}×${k} window does not fit the padded ${h}×${w} map`);
  const oh = Math.floor((h + pt + pb - k) / sh) + 1;
  const ow = Math.floor((w + pl + pr - k) / sw) + 1;
  if (residual && (cin !== cout || oh !== h || ow !== w)) bad(`a residual needs the output shape of x, got [${h}, ${w}, ${cin}] → [${oh}, ${ow}, ${cout}]`);
  let m = 0;
  let slope = PADDLE_SLOPE;
  if (u.se !== null) {
    m = u.se.b1.shape[0]!;
    if (!mat(u.se.w1, e, m) || !mat(u.se.w2, m, e) || u.se.b1.rank !== 1 || u.se.b2.rank !== 1 || u.se.b2.shape[0] !== e) bad(`se must be w1 [${e}, M], b1 [M], w2 [M, ${e}], b2 [${e}]`);
    slope = u.se.slope ?? PADDLE_SLOPE;
    if (!Number.isFinite(slope)) bad(`the SE slope must be finite, got ${slope}`);
  }
  const inputs: Record<string, Tensor> = { x, we: u.expand.filter, be: u.expand.bias, wd: u.depthwise.filter, bd: u.depthwise.bias, wl: u.linear.filter, bl: u.linear.bias };
  if (u.se !== null) Object.assign(inputs, { w1: u.se.w1, b1: u.se.b1, w2: u.se.w2, b2: u.se.b2 });
  return tf.engine().runKernel<Tensor>(MV3_UNIT, inputs, { act: ACTS[act], stride: [sh, sw], pad: [pt, pl], out: [oh, ow], residual, slope });
}
