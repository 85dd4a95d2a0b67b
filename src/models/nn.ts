/** Inference building blocks shared by the stages (NHWC). */
import { tf, type Tensor } from '../runtime/tf.ts';
import { hardSwish } from '../ops/hard_swish/hard_swish.ts';
import { canFuseDepthwise, canTrainDepthwise, depthwiseConvAct } from '../ops/depthwise_act/depthwise_act.ts';
import { batchNormAct, canFuseBn } from '../ops/batch_norm/batch_norm.ts';
import { canFusePointwise, pointwiseConvAct } from '../ops/pointwise_act/pointwise_act.ts';
import type { Activation } from './config.ts';
import { getParam, type Params } from './params.ts';
import type { TrainMode } from './stage.ts';

/** BatchNorm applied with batch statistics in a training forward (not foldable). */
export interface BatchBn {
  gamma: Tensor;
  beta: Tensor;
  /** Running-statistics names (mean, variance), for the update after the step. */
  mean: string;
  variance: string;
  eps: number;
  train: TrainMode;
}

export interface FoldedConv {
  filter: Tensor;
  bias: Tensor;
  depthwise: boolean;
  stride: [number, number];
  /** [top, bottom, left, right]. */
  pad: [number, number, number, number];
  /** Training with batch statistics: BN runs after the conv instead of being folded into it. */
  bn?: BatchBn;
}

/**
 * Folds inference BatchNorm into the preceding conv: w' = w·γ/√(σ²+ε), b' = β + (b − μ)·γ/√(σ²+ε).
 * `w` is HWIO (or [kh, kw, C, 1] for depthwise); `bn` names [scale, offset, mean, variance].
 */
export function foldConvBn(
  params: Params,
  weight: string,
  bn: [string, string, string, string] | null,
  eps: number,
  opts: {
    depthwise?: boolean;
    bias?: string;
    stride?: [number, number];
    pad?: number | [number, number, number, number];
    /** A training forward: with `batchNorm: 'batch'` the BN is kept apart (batch statistics). */
    train?: TrainMode | undefined;
  },
): FoldedConv {
  const depthwise = opts.depthwise ?? false;
  const p = opts.pad ?? 0;
  const pad: [number, number, number, number] = typeof p === 'number' ? [p, p, p, p] : p;
  const stride = opts.stride ?? [1, 1];
  const train = opts.train;
  if (bn !== null && train?.batchNorm === 'batch') {
    const w = getParam(params, weight);
    const outC = depthwise ? w.shape[2]! : w.shape[3]!;
    return {
      filter: w.clone(),
      bias: opts.bias !== undefined ? getParam(params, opts.bias).clone() : tf.zeros([outC]),
      depthwise,
      stride,
      pad,
      bn: { gamma: getParam(params, bn[0]).clone(), beta: getParam(params, bn[1]).clone(), mean: bn[2], variance: bn[3], eps, train },
    };
  }
  return tf.tidy(() => {
    const w = getParam(params, weight);
    const outC = depthwise ? w.shape[2]! : w.shape[3]!;
    let b: Tensor = opts.bias !== undefined ? getParam(params, opts.bias) : tf.zeros([outC]);
    let filter = w;
    if (bn !== null) {
      const [g, beta, mu, v] = bn.map((n) => getParam(params, n)) as [Tensor, Tensor, Tensor, Tensor];
      const k = tf.div(g, tf.sqrt(tf.add(v, eps)));
      filter = tf.mul(w, depthwise ? tf.reshape(k, [1, 1, outC, 1]) : tf.reshape(k, [1, 1, 1, outC]));
      b = tf.add(beta, tf.mul(tf.sub(b, mu), k));
    }
    return { filter: tf.keep(filter.clone()), bias: tf.keep(b.clone()), depthwise, stride, pad };
  });
}

export function disposeConv(c: FoldedConv): void {
  c.filter.dispose();
  c.bias.dispose();
  c.bn?.gamma.dispose();
  c.bn?.beta.dispose();
}

/**
 * BatchNorm with the batch's statistics over every axis but the last (PyTorch/Paddle train mode:
 * biased variance for the normalisation). Records the statistics in `bn.train.bnStats` (kept).
 */
export function batchNormTrain(y: Tensor, bn: BatchBn, act: Activation | 'linear' = 'linear'): Tensor {
  const count = y.size / y.shape[y.rank - 1]!;
  if (canFuseBn()) {
    // wasm: statistics, normalisation and the activation in one SIMD kernel (and one backward kernel).
    const r = batchNormAct(y, bn.gamma, bn.beta, bn.eps, act);
    bn.train.bnStats.push({ mean: bn.mean, variance: bn.variance, batchMean: tf.keep(r.mean), batchVar: tf.keep(r.variance), count });
    return r.y;
  }
  const z = batchNormTrainOps(y, bn);
  return act === 'relu' ? tf.relu(z) : act === 'hardswish' ? hardSwish(z) : z;
}

function batchNormTrainOps(y: Tensor, bn: BatchBn): Tensor {
  const axes = y.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(y, axes);
  const count = y.size / y.shape[y.rank - 1]!;
  bn.train.bnStats.push({ mean: bn.mean, variance: bn.variance, batchMean: tf.keep(mean), batchVar: tf.keep(variance), count });
  const k = tf.mul(bn.gamma, tf.rsqrt(tf.add(variance, bn.eps)));
  return tf.add(tf.mul(y, k), tf.sub(bn.beta, tf.mul(mean, k)));
}

/** A 1×1 conv at stride 1 without padding or batch-mode BN: a GEMM over the pixels (pointwiseConvAct). */
export function isPointwise(c: FoldedConv): boolean {
  const f = c.filter.shape;
  return !c.depthwise && c.bn === undefined && f[0] === 1 && f[1] === 1 && c.stride[0] === 1 && c.stride[1] === 1 && c.pad.every((p) => p === 0);
}

/** [A, B, …] → [B, A, …]: a reshape when A or B is 1 (the same layout, no copy), else a transpose. */
export function swapLeading(x: Tensor): Tensor {
  const [a, b, ...rest] = x.shape as number[];
  if (a === 1 || b === 1) return tf.reshape(x, [b!, a!, ...rest]);
  return tf.transpose(x, [1, 0, ...rest.map((_, i) => i + 2)]);
}

/** conv (+ folded BN) + activation. x: [B, H, W, Cin] → [B, H', W', Cout]. */
export function convAct(x: Tensor, c: FoldedConv, act: Activation | 'linear'): Tensor {
  // Inference on wasm: a 1×1 conv, its bias and activation in one SIMD kernel.
  if (isPointwise(c) && canFusePointwise()) return pointwiseConvAct(x, c.filter, c.bias, act);
  // Inference on wasm: depthwise + bias + activation in one SIMD kernel, strides as they are.
  if (c.depthwise && c.bn === undefined && c.filter.shape[3] === 1 && canFuseDepthwise()) return depthwiseConvAct(x, c.filter, c.bias, c.stride, c.pad, act);
  // Training on wasm: the same kernel, differentiable for linear/ReLU (one SIMD backward kernel; no
  // stride emulation), then BatchNorm and the activation as below.
  if (c.depthwise && c.filter.shape[3] === 1 && canTrainDepthwise()) {
    const inner = c.bn === undefined && act === 'relu' ? 'relu' : 'linear';
    const y = depthwiseConvAct(x, c.filter, c.bias, c.stride, c.pad, inner);
    if (c.bn !== undefined) return batchNormTrain(y, c.bn, act);
    return act === 'hardswish' ? hardSwish(y) : y;
  }
  const [t, b, l, r] = c.pad;
  let x4 = x as tf.Tensor4D;
  let pad: number | 'valid' = t;
  if (!(t === b && b === l && l === r)) {
    x4 = tf.pad(x4, [[0, 0], [t, b], [l, r], [0, 0]]);
    pad = 'valid';
  }
  const fusedAct = act === 'relu' && c.bn === undefined ? 'relu' : 'linear';
  // tfjs 4.22 mishandles unequal strides ((2,1) in CRNN backbones): the wasm kernels crash, the cpu
  // depthwise kernel strides both axes. So run stride 1 and keep every sh-th row / sw-th column.
  const [sh, sw] = c.stride;
  const strides: [number, number] = sh === sw ? [sh, sw] : [1, 1];
  let y: Tensor = c.depthwise
    ? tf.fused.depthwiseConv2d({ x: x4, filter: c.filter as tf.Tensor4D, strides, pad, bias: c.bias, activation: fusedAct })
    : tf.fused.conv2d({ x: x4, filter: c.filter as tf.Tensor4D, strides, pad, bias: c.bias, activation: fusedAct });
  if (sh !== sw) y = subsample(subsample(y, 1, sh), 2, sw);
  if (c.bn !== undefined) return batchNormTrain(y, c.bn, act);
  return act === 'hardswish' ? hardSwish(y) : y;
}

/**
 * Keeps every s-th index (0, s, 2s, …) of `axis` of a [B, H, W, C] tensor with 4-D ops only: pad that
 * axis to n·s, fold each group of s into the next axis, keep the first slab. (tfjs-wasm's StridedSlice
 * with steps, and its 5-D Slice, take generic slow paths: ~20 ms per CRNN image.)
 */
export function subsample(x: Tensor, axis: 1 | 2, s: number): Tensor {
  if (s === 1) return x;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const len = axis === 1 ? h : w;
  const n = Math.ceil(len / s);
  let y = x;
  if (n * s > len) y = tf.pad(y, axis === 1 ? [[0, 0], [0, n * s - len], [0, 0], [0, 0]] : [[0, 0], [0, 0], [0, n * s - len], [0, 0]]);
  if (axis === 1) return tf.slice(tf.reshape(y, [b, n, s * w, c]), [0, 0, 0, 0], [b, n, w, c]); // row k·s of each group
  return tf.slice(tf.reshape(y, [b, h, n, s * c]), [0, 0, 0, 0], [b, h, n, c]);
}

/** Paddle `hard_sigmoid` (slope 0.2, offset 0.5), as in the exported SE blocks; not PyTorch's x/6 + 1/2. */
export function hardSigmoidPaddle(x: Tensor): Tensor {
  return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
}
