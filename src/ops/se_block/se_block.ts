/**
 * `squeezeExcite`: MobileNetV3's squeeze-and-excitation (spatial mean → 1×1 conv + ReLU → 1×1 conv →
 * Paddle's hard sigmoid → channel scale) as one kernel on wasm through our SIMD module (wasm/simd.c
 * `se_block`), instead of seven tfjs ops on tiny tensors. Differentiable: the backward is one kernel too
 * (`se_block_grad`: dx, dw1, db1, dw2, db2, recomputing the squeeze and the gate from x, so nothing but
 * x is kept for it), where tfjs ran the chain's ~40 small ops (mean, two convs, clip, broadcast
 * multiplies and their sums). `canFuseSe` says when.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { canFuseDepthwise } from '../depthwise_act/depthwise_act.ts';
import { simdFor } from '../simd/simd.ts';

export const SE_BLOCK = 'WebstrSqueezeExcite';
export const SE_BLOCK_GRAD = 'WebstrSqueezeExciteGrad';
/** Paddle's `hard_sigmoid` slope (MobileNetV3's SE); PPLCNetV3's is 1/6 (x/6 + 1/2). */
export const PADDLE_SLOPE = 0.2;

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements. */
export function setSeFusionEnabled(on: boolean): void {
  enabled = on;
}

let trainEnabled = true;

/** Switches the differentiable use (training forward + the fused backward) off and on: for before/after measurements. */
export function setSeTrainEnabled(on: boolean): void {
  trainEnabled = on;
}

/**
 * True when the fused SE kernel can run: wasm with the SIMD module; under a gradient tape only while
 * the training use is on (then its one-kernel backward runs).
 */
export function canFuseSe(): boolean {
  if (!enabled || tf.getKernel(SE_BLOCK, tf.getBackend()) === undefined) return false;
  if (tf.engine().state.gradientDepth === 0) return canFuseDepthwise();
  return trainEnabled && tf.getKernel(SE_BLOCK_GRAD, tf.getBackend()) !== undefined && simdFor(tf.backend(), tf.getBackend()) !== null;
}

/**
 * x [B, H, W, C]; w1 [1, 1, C, M] (or [C, M]), b1 [M]; w2 [1, 1, M, C] (or [M, C]), b2 [C] → [B, H, W, C].
 * The gate is clamp(slope·z + 0.5, 0, 1), `slope` a float32 (Paddle's 0.2 by default).
 */
export function squeezeExcite(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, slope = PADDLE_SLOPE): Tensor {
  if (x.rank !== 4 || x.dtype !== 'float32') throw new InvalidArgumentError(`squeezeExcite: x must be float32 [B, H, W, C], got ${x.dtype} [${x.shape.join(', ')}]`);
  const c = x.shape[3]!;
  const m = b1.shape[0];
  const ok = (t: Tensor, rows: number, cols: number): boolean => t.dtype === 'float32' && t.size === rows * cols && t.shape[t.rank - 1] === cols && t.shape[t.rank - 2] === rows;
  if (b1.rank !== 1 || !ok(w1, c, m) || !ok(w2, m, c) || b2.rank !== 1 || b2.shape[0] !== c || b1.dtype !== 'float32' || b2.dtype !== 'float32') {
    throw new InvalidArgumentError(
      `squeezeExcite: for ${c} channels expected w1 [${c}, M], b1 [M], w2 [M, ${c}], b2 [${c}], got w1 [${w1.shape.join(', ')}], b1 [${b1.shape.join(', ')}], w2 [${w2.shape.join(', ')}], b2 [${b2.shape.join(', ')}]`,
    );
  }
  if (!Number.isFinite(slope)) throw new InvalidArgumentError(`squeezeExcite: slope must be finite, got ${slope}`);
  return tf.engine().runKernel<Tensor>(SE_BLOCK, { x, w1, b1, w2, b2 }, { slope });
}
