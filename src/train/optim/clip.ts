/**
 * Gradient clipping by global L2 norm, as PyTorch 1.13 `clip_grad_norm_`:
 *   total = ‖(‖g_1‖₂, …, ‖g_n‖₂)‖₂,  coef = min(1, maxNorm / (total + 1e−6)),  g_i ← coef · g_i
 * (DTRB clip 5, PaddleOCR SPIN clip_norm 5, DAVAR clip 5).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

export interface ClippedGrads<G extends Record<string, Tensor>> {
  /** New tensors (the caller disposes them), in the same keys. */
  grads: G;
  /** The norm before clipping, a scalar tensor (reading it is the caller's choice: it syncs). */
  totalNorm: tf.Scalar;
}

export function clipGradNorm<G extends Record<string, Tensor>>(grads: G, maxNorm: number): ClippedGrads<G> {
  if (!(maxNorm > 0)) throw new InvalidArgumentError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const names = Object.keys(grads);
  return tf.tidy(() => {
    const norms = names.map((n) => tf.norm(grads[n]!));
    const totalNorm = (norms.length === 0 ? tf.scalar(0) : tf.norm(tf.stack(norms))) as tf.Scalar;
    const coef = tf.minimum(tf.scalar(maxNorm).div(totalNorm.add(1e-6)), 1);
    const out: Record<string, Tensor> = {};
    for (const n of names) out[n] = grads[n]!.mul(coef);
    return { grads: out as G, totalNorm };
  });
}
