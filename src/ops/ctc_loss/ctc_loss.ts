/**
 * `ctcLoss(logits, labels, labelLengths, options)`: connectionist temporal classification loss on raw
 * logits (log_softmax is applied inside, in the kernel), with its gradient w.r.t. the logits.
 *
 * The registered kernel `WebstrCtcLoss` returns the per-sample negative log-likelihood [B]; the
 * reductions below are ordinary tf ops on it, so they differentiate through tfjs's own gradients.
 *   normalize 'dtrb'   (DTRB): nn.CTCLoss(reduction='mean') divides each loss by its label length
 *                      (at least 1), then averages over the batch (docs/models.md §4.4).
 *   normalize 'paddle' (PaddleOCR): batch mean of the raw per-sample losses.
 * reduction 'sum' and 'none' are the same for both (PyTorch's sum / none).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

export const CTC_LOSS = 'WebstrCtcLoss';
export const CTC_LOSS_GRAD = 'WebstrCtcLossGrad';

export type CtcReduction = 'mean' | 'sum' | 'none';
export type CtcNormalize = 'dtrb' | 'paddle';

export interface CtcLossOptions {
  /** Index of the blank class: 0 (DTRB, PaddleOCR) or C − 1 (MindOCR). Default 0. */
  blank?: number;
  /** Default 'mean'. */
  reduction?: CtcReduction;
  /** How 'mean' normalises; default 'dtrb'. */
  normalize?: CtcNormalize;
  /** Impossible alignments give loss 0 and gradient 0 instead of +∞ / NaN. Default true. */
  zeroInfinity?: boolean;
  /** int32 [B], each in [1, T]; default T for every sample. */
  inputLengths?: Tensor;
}

/** Kernel attributes of WebstrCtcLoss / WebstrCtcLossGrad. */
export interface CtcAttrs {
  blank: number;
  zeroInfinity: boolean;
}

function checkTensor(x: Tensor, name: string, rank: number, dtype: 'float32' | 'int32', expected: string): Tensor {
  if (!((x as unknown) instanceof tf.Tensor)) throw new InvalidArgumentError(`ctcLoss: expected a tf.Tensor for ${name} ${expected}`);
  if (x.rank !== rank || x.dtype !== dtype) {
    throw new InvalidArgumentError(
      `ctcLoss: expected ${name} ${expected} of dtype ${dtype}, got shape [${x.shape.join(', ')}] of dtype ${x.dtype}`,
    );
  }
  return x;
}

/**
 * Value checks that need the data on the host. Run on cpu and wasm (where reading is free); on webgpu
 * the kernels guard instead: a label outside [0, C), equal to the blank, or a length out of range makes
 * that sample impossible (loss +∞, or 0 with zeroInfinity) rather than reading out of bounds.
 */
function checkValues(labels: Tensor, labelLengths: Tensor, inputLengths: Tensor, C: number, T: number, blank: number): void {
  const [B, L] = labels.shape as [number, number];
  const lab = labels.dataSync();
  const ll = labelLengths.dataSync();
  const il = inputLengths.dataSync();
  for (let b = 0; b < B; b++) {
    const n = ll[b]!;
    if (n < 0 || n > L) {
      throw new InvalidArgumentError(`ctcLoss: labelLengths[${b}] = ${n} is outside [0, ${L}] (labels are [B, Lmax] = [${B}, ${L}])`);
    }
    const Tb = il[b]!;
    if (Tb < 1 || Tb > T) throw new InvalidArgumentError(`ctcLoss: inputLengths[${b}] = ${Tb} is outside [1, ${T}] (T = ${T})`);
    for (let i = 0; i < n; i++) {
      const k = lab[b * L + i]!;
      if (k < 0 || k >= C) throw new InvalidArgumentError(`ctcLoss: labels[${b}, ${i}] = ${k} is outside [0, ${C}) (C = ${C})`);
      if (k === blank) throw new InvalidArgumentError(`ctcLoss: labels[${b}, ${i}] is the blank index ${blank}`);
    }
  }
}

/**
 * CTC loss of raw logits [B, T, C] (softmax over C applied inside) against padded int32 labels
 * [B, Lmax] with lengths [B]. Returns a scalar, or [B] for reduction 'none'.
 * A sample whose input length cannot fit its label (T_b < L_b + adjacent repeats) has loss +∞, or 0
 * with a zero gradient when `zeroInfinity` (the default, as DTRB).
 */
export function ctcLoss(logits: Tensor, labels: Tensor, labelLengths: Tensor, options: CtcLossOptions = {}): Tensor {
  const x = checkTensor(logits, 'logits', 3, 'float32', '[B, T, C]');
  const [B, T, C] = x.shape as [number, number, number];
  if (B < 1 || T < 1 || C < 1) {
    throw new InvalidArgumentError(`ctcLoss: expected logits [B, T, C] with B, T, C ≥ 1, got [${x.shape.join(', ')}]`);
  }
  const lab = checkTensor(labels, 'labels', 2, 'int32', `[B, Lmax] with B = ${B}`);
  const len = checkTensor(labelLengths, 'labelLengths', 1, 'int32', `[B] with B = ${B}`);
  if (lab.shape[0] !== B) {
    throw new InvalidArgumentError(`ctcLoss: expected labels [B, Lmax] with B = ${B}, got [${lab.shape.join(', ')}]`);
  }
  if (len.shape[0] !== B) throw new InvalidArgumentError(`ctcLoss: expected labelLengths [${B}], got [${len.shape.join(', ')}]`);
  const blank = options.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) {
    throw new InvalidArgumentError(`ctcLoss: blank must be an integer in [0, ${C}) (C = ${C}), got ${blank}`);
  }
  const reduction = options.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) {
    throw new InvalidArgumentError(`ctcLoss: reduction must be one of mean, sum, none; got '${String(reduction)}'`);
  }
  const normalize = options.normalize ?? 'dtrb';
  if (!['dtrb', 'paddle'].includes(normalize)) {
    throw new InvalidArgumentError(`ctcLoss: normalize must be one of dtrb, paddle; got '${String(normalize)}'`);
  }
  const attrs: CtcAttrs = { blank, zeroInfinity: options.zeroInfinity ?? true };

  return tf.tidy(() => {
    const il =
      options.inputLengths === undefined
        ? tf.fill([B], T, 'int32')
        : checkTensor(options.inputLengths, 'inputLengths', 1, 'int32', `[B] with B = ${B}`);
    if (il.shape[0] !== B) throw new InvalidArgumentError(`ctcLoss: expected inputLengths [${B}], got [${il.shape.join(', ')}]`);
    if (tf.getBackend() !== 'webgpu') checkValues(lab, len, il, C, T, blank);
    const perSample = tf.engine().runKernel<Tensor>(
      CTC_LOSS,
      { logits: x, labels: lab, labelLengths: len, inputLengths: il },
      attrs as unknown as tf.NamedAttrMap,
    ); // [B]
    if (reduction === 'none') return perSample;
    if (reduction === 'sum') return perSample.sum();
    if (normalize === 'paddle') return perSample.mean();
    return perSample.div(len.maximum(1).cast('float32')).mean();
  });
}
