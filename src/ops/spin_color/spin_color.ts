/**
 * `spinColor(x, weights, {offsets, gate})`: GA-SPIN's structure-preserving colour transform with the AIN
 * inner-offset blend (docs/models.md §7.2–7.3; SPIN, arXiv 2005.13117), NHWC:
 *   1. I = (x + 1)/2;  2. I ← (1 − λ)·I + λ·offsets;  3. S = Σ_k w_k·I^{β_k};
 *   4. S ← InstanceNorm(S) (per image and channel over H×W, eps 1e−5, biased variance; optional affine);
 *   5. y = 2σ(S) − 1.
 * Steps 1–3 are one custom kernel (`WebstrSpinPowerSum`, WGSL + cpu/wasm twin, with its own gradient
 * kernels); steps 4–5 are tfjs ops, whose gradients tfjs has. The references use one channel (the
 * weighted sum runs over the exponents only); with C > 1 each channel is transformed the same way.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

export const SPIN_POWER_SUM = 'WebstrSpinPowerSum';
export const SPIN_POWER_SUM_GRAD_I = 'WebstrSpinPowerSumGradI';
export const SPIN_POWER_SUM_GRAD_W = 'WebstrSpinPowerSumGradW';

/** InstanceNorm ε (docs/models.md §7.3, §10.4). */
export const SPIN_NORM_EPS = 1e-5;

/**
 * GA-SPIN's exponent list for K (`cal_K` in PaddleOCR and DAVAR; docs/models.md §7.3): for i = 1..K,
 * a_i = round(ln(1 − i·0.5/(K+1)) / ln(i·0.5/(K+1)), 2), b_i = round(1/a_i, 2); [a_1, b_1, …, a_K, b_K, 1].
 */
export function spinBetas(K: number): number[] {
  if (!Number.isInteger(K) || K < 1) throw new InvalidArgumentError(`spinBetas: expected a positive integer K, got ${K}`);
  const round2 = (v: number): number => Math.round(v * 100) / 100;
  const betas: number[] = [];
  for (let i = 1; i <= K; i++) {
    const t = (i * 0.5) / (K + 1);
    const a = round2(Math.log(1 - t) / Math.log(t));
    betas.push(a, round2(1 / a));
  }
  betas.push(1);
  return betas;
}

export interface SpinColorOptions {
  /** AIN inner offsets x_off [B, H, W, C] in [0, 1]. Omitted: plain SPIN (λ = 0). */
  offsets?: Tensor;
  /** AIN gate λ = σ(logit) [B], one per image. Required with `offsets`. */
  gate?: Tensor;
  /** The number of exponent pairs K; checked against the weights ([B, 2K+1]). Default: from the weights. */
  K?: number;
  /** PaddleOCR's InstanceNorm affine scale and bias [C] (init 1 and 0); DAVAR has none. */
  scale?: Tensor;
  bias?: Tensor;
}

function shapeText(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function expectFloat(name: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new InvalidArgumentError(`spinColor: expected ${name} of dtype float32, got ${t.dtype}`);
}

/** S = Σ_k w_k·I^{β_k} with the AIN blend: the fused kernel alone (steps 1–3). */
export function spinPowerSum(x: Tensor, weights: Tensor, offsets: Tensor, gate: Tensor, betas: readonly number[]): tf.Tensor4D {
  return tf.engine().runKernel<tf.Tensor4D>(SPIN_POWER_SUM, { x, offsets, gate, weights }, { betas: [...betas] });
}

export function spinColor(x: Tensor, weights: Tensor, options: SpinColorOptions = {}): tf.Tensor4D {
  if (!(x instanceof tf.Tensor) || !(weights instanceof tf.Tensor)) {
    throw new InvalidArgumentError('spinColor: expected tf.Tensor arguments for x and weights');
  }
  if (x.rank !== 4) throw new InvalidArgumentError(`spinColor: expected x of shape [B, H, W, C], got ${shapeText(x)}`);
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const n = weights.shape[1] ?? 0;
  const K = options.K ?? (n - 1) / 2;
  if (weights.rank !== 2 || weights.shape[0] !== B || !Number.isInteger(K) || K < 1 || n !== 2 * K + 1) {
    const expected = options.K === undefined ? `[${B}, 2K+1] (K ≥ 1, e.g. [${B}, 13] for K = 6)` : `[${B}, ${2 * options.K + 1}] for K = ${options.K}`;
    throw new InvalidArgumentError(`spinColor: expected weights of shape ${expected}, got ${shapeText(weights)}`);
  }
  const { offsets, gate, scale, bias } = options;
  if ((offsets === undefined) !== (gate === undefined)) {
    throw new InvalidArgumentError('spinColor: expected offsets and gate together (AIN), or neither');
  }
  if (offsets !== undefined && offsets.shape.join(',') !== x.shape.join(',')) {
    throw new InvalidArgumentError(`spinColor: expected offsets of shape ${shapeText(x)} (as x), got ${shapeText(offsets)}`);
  }
  if (gate !== undefined && (gate.rank !== 1 || gate.shape[0] !== B)) {
    throw new InvalidArgumentError(`spinColor: expected gate of shape [${B}], got ${shapeText(gate)}`);
  }
  for (const [name, t] of [['scale', scale], ['bias', bias]] as const) {
    if (t !== undefined && (t.rank !== 1 || t.shape[0] !== C)) {
      throw new InvalidArgumentError(`spinColor: expected ${name} of shape [${C}], got ${shapeText(t)}`);
    }
  }
  for (const [name, t] of [['x', x], ['weights', weights], ['offsets', offsets], ['gate', gate], ['scale', scale], ['bias', bias]] as const) {
    if (t !== undefined) expectFloat(name, t);
  }
  if (H * W < 1) throw new InvalidArgumentError(`spinColor: expected a non-empty image, got ${shapeText(x)}`);
  const betas = spinBetas(K);
  return tf.tidy(() => {
    const s = spinPowerSum(x, weights, offsets ?? tf.zerosLike(x), gate ?? tf.zeros([B]), betas); // [B, H, W, C]
    const { mean, variance } = tf.moments(s, [1, 2], true); // [B, 1, 1, C]
    let normed = s.sub(mean).div(variance.add(SPIN_NORM_EPS).sqrt());
    if (scale !== undefined) normed = normed.mul(scale);
    if (bias !== undefined) normed = normed.add(bias);
    return tf.sigmoid(normed).mul(2).sub<tf.Tensor4D>(1);
  });
}
