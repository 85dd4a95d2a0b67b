/**
 * `depthwiseConvAct`: depthwise conv (NHWC, multiplier 1) + bias + activation as one kernel on wasm,
 * through our SIMD module (wasm/simd.c `depthwise_act`). Any strides, so the (2, 1) strides of CRNN
 * backbones run as they are (tfjs-wasm's kernel crashes on them and the stage otherwise computes every
 * row and drops half), and hard-swish is fused. Differentiable for the activations 'linear' and 'relu'
 * (one SIMD backward kernel gives dx, dW and db; `canTrainDepthwise`); on backends without the SIMD
 * module convAct keeps the tfjs ops.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';

export const DEPTHWISE_ACT = 'WebstrDepthwiseAct';
export const DEPTHWISE_ACT_GRAD = 'WebstrDepthwiseActGrad';
/** y = x·clamp(x + 3, 0, 6)·scale6 + shift elementwise (wasm only): the activation of `depthwiseConvAct`'s 'hardswish-affine' alone. */
export const HARD_SWISH_AFFINE = 'WebstrHardSwishAffine';
/** 'hardswish-affine': PPLCNetV3's hard-swish followed by its learnable scalar affine (`HardSwishAffine`). */
export type FusedActivation = 'linear' | 'relu' | 'hardswish' | 'hardswish-affine';
export const ACT_CODES: Record<FusedActivation, number> = { linear: 0, relu: 1, hardswish: 2, 'hardswish-affine': 3 };

/** The affine after PPLCNetV3's hard-swish, as numbers: y = x·clamp(x + 3, 0, 6)·scale6 + shift (scale6 = scale/6). */
export interface HardSwishAffine {
  scale6: number;
  shift: number;
}

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements. */
export function setDepthwiseFusionEnabled(on: boolean): void {
  enabled = on;
}

/** True when the fused path is on, the active backend runs the kernel and no gradient tape records. */
export function canFuseDepthwise(): boolean {
  return enabled && tf.engine().state.gradientDepth === 0 && tf.getKernel(DEPTHWISE_ACT, tf.getBackend()) !== undefined && simdFor(tf.backend(), tf.getBackend()) !== null;
}

let rowsEnabled = true;

/** Switches the kernel's 8- and 4-output row paths off and on (the same bits either way): for before/after measurements. */
export function setDepthwiseRowsEnabled(on: boolean): void {
  rowsEnabled = on;
}

/** Whether the row paths are on (read by the wasm kernel on every call). */
export function depthwiseRowsEnabled(): boolean {
  return rowsEnabled;
}

let affineEnabled = true;

/** Switches the 'hardswish-affine' fusions (PPLCNetV3's units) off and on: for before/after measurements. */
export function setAffineFusionEnabled(on: boolean): void {
  affineEnabled = on;
}

/** True when PPLCNetV3's activation and affine may run fused ('hardswish-affine', `hardSwishAffine`): inference on wasm. */
export function canFuseAffine(): boolean {
  return affineEnabled && canFuseDepthwise() && tf.getKernel(HARD_SWISH_AFFINE, tf.getBackend()) !== undefined;
}

let trainEnabled = true;

/** Switches the differentiable use (training forward + the fused backward) off and on: for before/after measurements. */
export function setDepthwiseTrainEnabled(on: boolean): void {
  trainEnabled = on;
}

/**
 * True when depthwiseConvAct may run under a gradient tape (activation 'linear' or 'relu': its gradient is
 * one SIMD kernel, WebstrDepthwiseActGrad): the wasm SIMD module is there and the training use is on.
 */
export function canTrainDepthwise(): boolean {
  return enabled && trainEnabled && tf.getKernel(DEPTHWISE_ACT_GRAD, tf.getBackend()) !== undefined && simdFor(tf.backend(), tf.getBackend()) !== null;
}

/**
 * x [B, H, W, C], filter [KH, KW, C, 1], bias [C]; pad [top, bottom, left, right] → [B, OH, OW, C].
 * `affine` is required by (and only used with) act 'hardswish-affine'.
 */
export function depthwiseConvAct(
  x: Tensor,
  filter: Tensor,
  bias: Tensor,
  strides: [number, number],
  pad: [number, number, number, number],
  act: FusedActivation,
  affine?: HardSwishAffine,
): Tensor {
  if (x.rank !== 4 || x.dtype !== 'float32') throw new InvalidArgumentError(`depthwiseConvAct: x must be float32 [B, H, W, C], got ${x.dtype} [${x.shape.join(', ')}]`);
  const c = x.shape[3]!;
  if (filter.rank !== 4 || filter.shape[2] !== c || filter.shape[3] !== 1 || filter.dtype !== 'float32') {
    throw new InvalidArgumentError(`depthwiseConvAct: filter must be float32 [KH, KW, ${c}, 1], got ${filter.dtype} [${filter.shape.join(', ')}]`);
  }
  if (bias.rank !== 1 || bias.shape[0] !== c || bias.dtype !== 'float32') throw new InvalidArgumentError(`depthwiseConvAct: bias must be float32 [${c}], got [${bias.shape.join(', ')}]`);
  if (strides.some((s) => !Number.isInteger(s) || s < 1) || pad.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new InvalidArgumentError(`depthwiseConvAct: strides must be positive and pads non-negative integers, got strides [${strides.join(', ')}], pad [${pad.join(', ')}]`);
  }
  const [, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = filter.shape as [number, number];
  if (h + pad[0] + pad[1] < kh || w + pad[2] + pad[3] < kw) throw new InvalidArgumentError(`depthwiseConvAct: a ${kh}×${kw} filter does not fit a padded ${h}×${w} input`);
  const { scale6, shift } = checkAffine('depthwiseConvAct', act, affine);
  return tf.engine().runKernel<Tensor>(DEPTHWISE_ACT, { x, filter, bias }, { strides, pad, act: ACT_CODES[act], scale6, shift });
}

function checkAffine(op: string, act: FusedActivation, affine: HardSwishAffine | undefined): HardSwishAffine {
  if (act !== 'hardswish-affine') return { scale6: 1, shift: 0 };
  if (affine === undefined || !Number.isFinite(affine.scale6) || !Number.isFinite(affine.shift)) {
    throw new InvalidArgumentError(`${op}: activation 'hardswish-affine' needs a finite scale6 and shift, got ${JSON.stringify(affine)}`);
  }
  return affine;
}

/**
 * y = x·clamp(x + 3, 0, 6)·scale6 + shift in one SIMD pass on wasm (PPLCNetV3's activation after its
 * pointwise convs, which tfjs runs as five elementwise kernels); only where `canFuseDepthwise()`.
 */
export function hardSwishAffine(x: Tensor, affine: HardSwishAffine): Tensor {
  if (x.dtype !== 'float32') throw new InvalidArgumentError(`hardSwishAffine: x must be float32, got ${x.dtype}`);
  const { scale6, shift } = checkAffine('hardSwishAffine', 'hardswish-affine', affine);
  return tf.engine().runKernel<Tensor>(HARD_SWISH_AFFINE, { x }, { scale6, shift });
}
