/**
 * Losses of the presets (docs/models.md §4.3–4.4) and the label tensors they take.
 * CTC: the registered `ctcLoss` op; DTRB presets normalise per label length then average
 * (`nn.CTCLoss(reduction='mean', zero_infinity=True)`), Paddle presets average the per-sample loss.
 * Attention: cross-entropy with teacher forcing: DTRB's label matrix [GO] c1…cn EOS 0…, decoder input =
 * columns 0…steps−1, target = columns 1…steps, padding (class 0) ignored, mean over the kept tokens.
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';
import { ctcLoss } from '../ops/ctc_loss/ctc_loss.ts';
import type { ModelConfig } from '../models/config.ts';
import { AttentionCodec } from '../text/attention.ts';
import type { Charset } from '../text/charset.ts';
import { CtcCodec } from '../text/ctc.ts';

/** Host label tensors of one batch. CTC: labels [B, Lmax] + lengths; attention: teacher + targets [B, steps]. */
export type EncodedLabels =
  | { kind: 'ctc'; labels: Int32Array; lengths: Int32Array; batch: number; maxLength: number }
  | { kind: 'attention'; teacher: Int32Array; targets: Int32Array; batch: number; steps: number };

export interface LabelEncoder {
  readonly numClasses: number;
  encode(labels: readonly string[]): EncodedLabels;
}

/** The label encoder of a model's head (CTC: blank 0; attention: the head's class layout). */
export function labelEncoder(config: ModelConfig, charset: Charset): LabelEncoder {
  const head = config.head;
  if (head.kind === 'ctc') {
    const codec = new CtcCodec(charset);
    return {
      numClasses: codec.numClasses,
      encode(labels) {
        const enc = labels.map((l) => codec.encode(l));
        const maxLength = Math.max(1, ...enc.map((e) => e.length));
        const out = new Int32Array(labels.length * maxLength);
        const lengths = new Int32Array(labels.length);
        enc.forEach((e, b) => {
          out.set(e, b * maxLength);
          lengths[b] = e.length;
        });
        return { kind: 'ctc', labels: out, lengths, batch: labels.length, maxLength };
      },
    };
  }
  const codec = new AttentionCodec(charset, head.labels);
  const steps = head.steps;
  return {
    numClasses: codec.numClasses,
    encode(labels) {
      const B = labels.length;
      const teacher = new Int32Array(B * steps);
      const targets = new Int32Array(B * steps);
      labels.forEach((l, b) => {
        // Row: [GO] c1 … cn EOS 0 … (steps + 1 columns); longer labels are cut to steps − 1 symbols.
        const row = [codec.go, ...codec.encode(l).slice(0, steps - 1), codec.eos];
        for (let t = 0; t < steps; t++) {
          teacher[b * steps + t] = row[t] ?? 0;
          targets[b * steps + t] = row[t + 1] ?? 0;
        }
      });
      return { kind: 'attention', teacher, targets, batch: B, steps };
    },
  };
}

/** Cross-entropy of logits [B, T, C] against targets [B, T] int32, class `ignore` skipped, mean over kept tokens. */
export function maskedCrossEntropy(logits: Tensor, targets: Tensor, ignore = 0): tf.Scalar {
  const [B, T, C] = logits.shape as [number, number, number];
  if (targets.rank !== 2 || targets.shape[0] !== B || targets.shape[1] !== T) {
    throw new InvalidArgumentError(`maskedCrossEntropy: targets must be [${B}, ${T}], got [${targets.shape.join(', ')}]`);
  }
  return tf.tidy((): tf.Scalar => {
    const logp = tf.logSoftmax(logits); // [B, T, C]
    const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, C)), 2); // [B, T]
    const keep = tf.cast(tf.notEqual(targets, ignore), 'float32');
    return tf.div<tf.Scalar>(tf.neg(tf.sum(tf.mul(picked, keep))), tf.maximum(tf.sum(keep), 1));
  });
}

/** The loss of a batch for a preset's head: returns a closure over logits and the teacher inputs (attention). */
export function lossFor(config: ModelConfig, enc: EncodedLabels): { loss: (logits: Tensor) => tf.Scalar; teacher: Tensor | null; dispose(): void } {
  if (enc.kind === 'ctc') {
    const labels = tf.tensor2d(enc.labels, [enc.batch, enc.maxLength], 'int32');
    const lengths = tf.tensor1d(enc.lengths, 'int32');
    const normalize = config.head.naming === 'paddle' ? 'paddle' : 'dtrb';
    return {
      loss: (logits) => ctcLoss(logits, labels, lengths, { blank: 0, reduction: 'mean', normalize, zeroInfinity: true }) as tf.Scalar,
      teacher: null,
      dispose: () => tf.dispose([labels, lengths]),
    };
  }
  const teacher = tf.tensor2d(enc.teacher, [enc.batch, enc.steps], 'int32');
  const targets = tf.tensor2d(enc.targets, [enc.batch, enc.steps], 'int32');
  return {
    loss: (logits) => maskedCrossEntropy(logits, targets, 0),
    teacher,
    dispose: () => tf.dispose([teacher, targets]),
  };
}

/**
 * The denominator of a batch's mean loss: samples for CTC (both normalisations average per-sample
 * losses), kept (non-padding) tokens for attention. Data-parallel training weights each part's
 * gradient by it, so the merged gradient is that of the whole batch.
 */
export function lossWeight(enc: EncodedLabels): number {
  if (enc.kind === 'ctc') return enc.batch;
  let kept = 0;
  for (const t of enc.targets) if (t !== 0) kept++;
  return Math.max(kept, 1);
}
