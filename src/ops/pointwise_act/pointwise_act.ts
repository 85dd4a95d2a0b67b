/**
 * `pointwiseConvAct`: a 1×1 convolution (NHWC, stride 1, no padding) + bias + activation, with an optional
 * residual added after the activation, as one kernel on wasm through our SIMD module (wasm/simd.c
 * `pointwise_act`: the GEMM over the pixels, its bias, activation and residual applied to each tile before it is stored). At
 * batch 1 the backbones' pointwise convs run on small maps, where tfjs runs the conv, the activation and
 * the residual add as separate kernels, each a pass over the map. Inference only (no gradient);
 * `canFusePointwise` says when.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { ACT_CODES, canFuseDepthwise, type FusedActivation, type HardSwishAffine } from '../depthwise_act/depthwise_act.ts';

export const POINTWISE_ACT = 'WebstrPointwiseAct';

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements. */
export function setPointwiseFusionEnabled(on: boolean): void {
  enabled = on;
}

/** True when the fused path is on: inference (no gradient tape) on wasm with the SIMD module. */
export function canFusePointwise(): boolean {
  return enabled && canFuseDepthwise() && tf.getKernel(POINTWISE_ACT, tf.getBackend()) !== undefined;
}

/**
 * x [B, H, W, K], filter [1, 1, K, N] (or [K, N]), bias [N] → act(conv + bias) (+ residual [B, H, W, N]).
 * `affine` is required by (and only used with) act 'hardswish-affine'.
 */
export function pointwiseConvAct(
  x: Tensor,
  filter: Tensor,
  bias: Tensor,
  act: FusedActivation,
  opts: { affine?: HardSwishAffine; residual?: Tensor } = {},
): Tensor {
  if (x.rank !== 4 || x.dtype !== 'float32') throw new InvalidArgumentError(`pointwiseConvAct: x must be float32 [B, H, W, K], got ${x.dtype} [${x.shape.join(', ')}]`);
  const k = x.shape[3]!;
  const n = filter.shape[filter.rank - 1]!;
  if (filter.dtype !== 'float32' || filter.size !== k * n || filter.shape[filter.rank - 2] !== k || (filter.rank === 4 && (filter.shape[0] !== 1 || filter.shape[1] !== 1))) {
    throw new InvalidArgumentError(`pointwiseConvAct: filter must be float32 [1, 1, ${k}, N] or [${k}, N], got ${filter.dtype} [${filter.shape.join(', ')}]`);
  }
  if (bias.rank !== 1 || bias.shape[0] !== n || bias.dtype !== 'float32') throw new InvalidArgumentError(`pointwiseConvAct: bias must be float32 [${n}], got [${bias.shape.join(', ')}]`);
  const r = opts.residual;
  const outShape = [x.shape[0], x.shape[1]!, x.shape[2]!, n];
  if (r !== undefined && (r.dtype !== 'float32' || r.shape.join() !== outShape.join())) {
    throw new InvalidArgumentError(`pointwiseConvAct: residual must be float32 [${outShape.join(', ')}], got ${r.dtype} [${r.shape.join(', ')}]`);
  }
  let scale6 = 1;
  let shift = 0;
  if (act === 'hardswish-affine') {
    const a = opts.affine;
    if (a === undefined || !Number.isFinite(a.scale6) || !Number.isFinite(a.shift)) {
      throw new InvalidArgumentError(`pointwiseConvAct: activation 'hardswish-affine' needs a finite scale6 and shift, got ${JSON.stringify(a)}`);
    }
    ({ scale6, shift } = a);
  }
  const inputs: Record<string, Tensor> = { x, filter, bias };
  if (r !== undefined) inputs.residual = r;
  return tf.engine().runKernel<Tensor>(POINTWISE_ACT, inputs, { act: ACT_CODES[act], scale6, shift });
}
