/**
 * `batchNormAct(y, gamma, beta, eps, act)`: training BatchNorm (statistics of this batch over every axis
 * but channels, biased variance) and the activation after it, as one kernel on wasm through our SIMD
 * module, with a one-kernel backward (dy, dgamma, dbeta). tfjs runs moments, rsqrt and an affine
 * chain forward (~10 ops) and ~30 ops backward, and keeps the normalised map alive for the activation's
 * gradient; this keeps only y and the statistics. Returns the output and the batch statistics (for the
 * running averages; no gradient flows into those). `canFuseBn` says when it runs.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';

export const BN_ACT = 'WebstrBatchNormAct';
export const BN_ACT_GRAD = 'WebstrBatchNormActGrad';
export type BnActivation = 'linear' | 'relu' | 'hardswish';
export const BN_ACT_CODES: Record<BnActivation, number> = { linear: 0, relu: 1, hardswish: 2 };

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements. */
export function setBnFusionEnabled(on: boolean): void {
  enabled = on;
}

/** True when the active backend runs the fused kernels (wasm with the SIMD module). */
export function canFuseBn(): boolean {
  return enabled && tf.getKernel(BN_ACT, tf.getBackend()) !== undefined && simdFor(tf.backend(), tf.getBackend()) !== null;
}

/** y [..., C] float32, gamma and beta [C] → act(γ·(y − μ)/√(σ² + ε) + β) and the batch μ, σ² [C]. */
export function batchNormAct(y: Tensor, gamma: Tensor, beta: Tensor, eps: number, act: BnActivation): { y: Tensor; mean: Tensor; variance: Tensor } {
  const c = y.shape[y.rank - 1];
  if (y.rank < 2 || y.dtype !== 'float32' || c === undefined) throw new InvalidArgumentError(`batchNormAct: y must be float32 [..., C], got ${y.dtype} [${y.shape.join(', ')}]`);
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== c || t.dtype !== 'float32') throw new InvalidArgumentError(`batchNormAct: ${name} must be float32 [${c}], got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  if (!(eps > 0)) throw new InvalidArgumentError(`batchNormAct: eps must be positive, got ${eps}`);
  if (y.size === 0) throw new InvalidArgumentError('batchNormAct: y is empty (no statistics)');
  const [out, mean, variance] = tf.engine().runKernel<Tensor[]>(BN_ACT, { y, gamma, beta }, { eps, act: BN_ACT_CODES[act] }) as [Tensor, Tensor, Tensor];
  return { y: out, mean, variance };
}
