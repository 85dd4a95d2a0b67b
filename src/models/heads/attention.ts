/**
 * Attention decoder (docs/models.md §4.3; DTRB `modules/prediction.py` `Attention`, PaddleOCR `AttentionHead`,
 * `SPINAttentionHead`): at each step e_j = w·tanh(W_i·Hs_j + W_h·h + b), α = softmax_j(e),
 * g = Σ α_j·Hs_j, state = Cell([g, onehot(y_{t−1})], state), logits_t = generator(h_t). Greedy: y_0 = [GO]
 * (class 0), then the argmax of each step is fed back. Cells: GRU (gates [r, z, n]) or LSTM ([i, f, g, o]).
 *
 * The loop is unrolled into tf ops (no host round trip per step: the argmax and the one-hot row lookup
 * stay on the device); `steps` fixed (26), so it always runs all steps and the codec cuts at the first EOS.
 * Inference runs the same loop as one kernel instead (src/ops/attention_decode, cpu, wasm and webgpu);
 * training (teacher forcing, gradients) keeps the unrolled ops.
 * Names: DTRB `Prediction.attention_cell.{i2h,h2h,score,rnn}`, `Prediction.generator`; PaddleOCR
 * `head.…` (its Linear weights are [in, out]: the specs' paddleLayout; its GRUCell gates are [r, z, c]).
 * Decoding starts from class 0 in both layouts ([GO] / sos).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import type { AttentionHeadConfig } from '../config.ts';
import { attentionDecode, canFuseAttentionDecode } from '../../ops/attention_decode/attention_decode.ts';
import { getParam, linearSpec, plainSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';
import { swapLeading } from '../nn.ts';

export function attentionNames(naming: AttentionHeadConfig['naming']): Record<'i2h' | 'h2hW' | 'h2hB' | 'score' | 'wIh' | 'wHh' | 'bIh' | 'bHh' | 'genW' | 'genB', string> {
  const root = naming === 'paddle' ? 'head' : 'Prediction';
  const a = `${root}.attention_cell`;
  return {
    i2h: `${a}.i2h.weight`,
    h2hW: `${a}.h2h.weight`,
    h2hB: `${a}.h2h.bias`,
    score: `${a}.score.weight`,
    wIh: `${a}.rnn.weight_ih`,
    wHh: `${a}.rnn.weight_hh`,
    bIh: `${a}.rnn.bias_ih`,
    bHh: `${a}.rnn.bias_hh`,
    genW: `${root}.generator.weight`,
    genB: `${root}.generator.bias`,
  };
}

export class AttentionHead implements Stage {
  readonly specs: ParamSpec[];

  constructor(
    readonly config: AttentionHeadConfig,
    readonly inFeatures: number,
    /** Classes: [GO] 0, EOS 1, symbols 2… */
    readonly outChannels: number,
  ) {
    const n = attentionNames(config.naming);
    const h = config.hidden;
    const g = config.cell === 'gru' ? 3 : 4;
    this.specs = [
      { ...linearSpec(n.i2h, inFeatures, h) },
      linearSpec(n.h2hW, h, h),
      vecSpec(n.h2hB, h),
      linearSpec(n.score, h, 1),
      plainSpec(n.wIh, [g * h, inFeatures + outChannels], 'uniform_lstm'),
      plainSpec(n.wHh, [g * h, h], 'uniform_lstm'),
      vecSpec(n.bIh, g * h),
      vecSpec(n.bHh, g * h),
      linearSpec(n.genW, h, outChannels),
      vecSpec(n.genB, outChannels),
    ];
  }

  /** The EOS class of this head's label layout (src/text/attention.ts). */
  get eos(): number {
    return this.config.labels === 'go-eos' ? 1 : this.outChannels - 1;
  }

  compile(params: Params, train?: TrainMode): CompiledStage & { setClassBias(bias: Tensor | null): void; setEarlyStop(on: boolean): void } {
    const n = attentionNames(this.config.naming);
    const { hidden: H, steps, cell } = this.config;
    const D = this.inFeatures;
    const C = this.outChannels;
    const w = tf.tidy(() => {
      const wIh = getParam(params, n.wIh); // [G·H, D + C]
      const bIh = getParam(params, n.bIh);
      const bHh = getParam(params, n.bHh);
      return {
        i2h: getParam(params, n.i2h).clone(), // [D, H]
        h2hW: getParam(params, n.h2hW).clone(), // [H, H]
        h2hB: getParam(params, n.h2hB).clone(),
        score: getParam(params, n.score).clone(), // [H, 1]
        wCtx: tf.transpose(tf.slice(wIh, [0, 0], [-1, D])), // [D, G·H]
        // One-hot · W = a row of Wᵀ; the input bias is folded into the rows (LSTM: both biases).
        wEmb: tf.add(tf.transpose(tf.slice(wIh, [0, D], [-1, C])), cell === 'lstm' ? tf.add(bIh, bHh) : bIh), // [C, G·H]
        wHh: tf.transpose(getParam(params, n.wHh)), // [H, G·H]
        bHh: bHh.clone(),
        genW: getParam(params, n.genW).clone(), // [H, C]
        genB: getParam(params, n.genB).clone(),
      };
    });
    /** [C] added to each step's logits before its argmax is fed back (allowed-character masks); the
     *  returned logits stay unbiased. Owned by the caller. */
    let classBias: Tensor | null = null;
    /** EOS class when the fused loop may stop once every row has fed it back (ops/attention_decode); −1: never. */
    let eos = -1;
    const eosClass = this.eos;
    return {
      setClassBias: (bias: Tensor | null): void => {
        classBias = bias;
      },
      setEarlyStop: (on: boolean): void => {
        eos = on ? eosClass : -1;
      },
      /** [T, B, D] → logits [B, steps, C]. */
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          const [T, B] = x.shape as [number, number, number];
          const hs = swapLeading(x); // [B, T, D]
          const proj = tf.reshape(tf.matMul(tf.reshape(hs, [B * T, D]), w.i2h), [B, T, H]); // [B, T, H]
          const teacher = train?.teacher ?? null;
          // Inference: the whole greedy loop as one kernel (same math, same feedback).
          if (teacher === null && canFuseAttentionDecode(B, { frames: T, features: D, hidden: H })) {
            const { i2h: _i2h, ...weights } = w;
            return attentionDecode(hs, proj, weights, { cell, steps, classBias, eos });
          }
          let h: Tensor = tf.zeros([B, H]);
          let c: Tensor = tf.zeros([B, H]);
          let prev: Tensor = tf.zeros([B], 'int32'); // [GO]
          const outs: Tensor[] = [];
          // Teacher forcing (training): step t reads the given input symbol; the embedding is a one-hot
          // matMul rather than a gather, so its gradient is a matMul too (no UnsortedSegmentSum).
          if (teacher !== null && (teacher.rank !== 2 || teacher.shape[0] !== B || teacher.shape[1]! < steps)) {
            throw new InvalidArgumentError(`attention head: teacher inputs must be [${B}, ≥${steps}], got [${teacher.shape.join(', ')}]`);
          }
          const forced = teacher === null ? null : tf.unstack(tf.slice(teacher, [0, 0], [B, steps]), 1);
          for (let t = 0; t < steps; t++) {
            const hp = tf.add(tf.matMul(h, w.h2hW), w.h2hB); // [B, H]
            const e = tf.reshape(tf.matMul(tf.reshape(tf.tanh(tf.add(proj, tf.expandDims(hp, 1))), [B * T, H]), w.score), [B, T]);
            const alpha = tf.softmax(e); // [B, T]
            const ctx = tf.squeeze(tf.matMul(tf.expandDims(alpha, 1), hs), [1]); // [B, D]
            const emb = forced === null ? tf.gather(w.wEmb, prev) : tf.matMul(tf.oneHot(forced[t]!, C), w.wEmb);
            const gi = tf.add(tf.matMul(ctx, w.wCtx), emb); // [B, G·H]
            if (cell === 'gru') {
              const gh = tf.add(tf.matMul(h, w.wHh), w.bHh); // [B, 3H]
              const [ir, iz, inn] = tf.split(gi, 3, 1) as [Tensor, Tensor, Tensor];
              const [hr, hz, hn] = tf.split(gh, 3, 1) as [Tensor, Tensor, Tensor];
              const r = tf.sigmoid(tf.add(ir, hr));
              const z = tf.sigmoid(tf.add(iz, hz));
              const nn = tf.tanh(tf.add(inn, tf.mul(r, hn)));
              h = tf.add(nn, tf.mul(z, tf.sub(h, nn))); // (1−z)·n + z·h
            } else {
              const gates = tf.add(gi, tf.matMul(h, w.wHh)); // [B, 4H]: i f g o
              const [i, f, g, o] = tf.split(gates, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
              c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
              h = tf.mul(tf.sigmoid(o), tf.tanh(c));
            }
            const logits = tf.add(tf.matMul(h, w.genW), w.genB); // [B, C]
            outs.push(logits);
            if (forced === null) prev = tf.argMax(classBias === null ? logits : tf.add(logits, classBias), 1);
          }
          return tf.stack(outs, 1); // [B, steps, C]
        }),
      dispose: () => tf.dispose(Object.values(w)),
    };
  }
}
