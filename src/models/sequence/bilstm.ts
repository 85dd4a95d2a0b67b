/**
 * Bidirectional LSTM stack (docs/models.md §4.1–4.2), written by hand (no tf.layers): gates [i, f, g, o] as
 * PyTorch/Paddle, b_ih + b_hh, zero initial state; a layer outputs concat[forward, backward] per step,
 * optionally followed by a Linear (DTRB `BidirectionalLSTM`).
 *
 * Both directions run in one recurrence: at step s the forward cell reads x[s] and the backward cell
 * x[T−1−s]; their states sit side by side in h = [h_f | h_b] ([B, 2H]) and one block-diagonal recurrent
 * matrix ([2H, 8H]) serves both. Gate columns are packed [i_f i_b | f_f f_b | o_f o_b | g_f g_b] so one
 * sigmoid covers i, f, o and the cell update runs on [B, 2H] at once. The input projection of all
 * steps is one matMul before the loop. On cpu and wasm, and at inference on webgpu, the loop is one
 * fused kernel (src/ops/bilstm), which reads the backward direction's projections in reverse itself, so the
 * projection is x·[W_f | W_b] without the reversed copy of x. At inference on wasm the projection joins it: one
 * kernel per layer.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { biLstmLayer, biLstmSequence, hasBiLstmKernel, hasBiLstmLayerKernel } from '../../ops/bilstm/bilstm.ts';
import type { BiLstmConfig } from '../config.ts';
import { getParam, linearSpec, plainSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage } from '../stage.ts';

export interface DirectionNames {
  wIh: string;
  wHh: string;
  bIh: string;
  bHh: string;
}

export function lstmNames(naming: BiLstmConfig['naming'], layer: number, reverse: boolean): DirectionNames {
  if (naming === 'paddle') {
    const p = `lstm_cell_${2 * layer + (reverse ? 1 : 0)}`;
    return { wIh: `${p}.w_0`, wHh: `${p}.w_1`, bIh: `${p}.b_0`, bHh: `${p}.b_1` };
  }
  const p = `SequenceModeling.${layer}.rnn`;
  const r = reverse ? '_reverse' : '';
  return { wIh: `${p}.weight_ih_l0${r}`, wHh: `${p}.weight_hh_l0${r}`, bIh: `${p}.bias_ih_l0${r}`, bHh: `${p}.bias_hh_l0${r}` };
}

function linearNames(layer: number): { w: string; b: string } {
  return { w: `SequenceModeling.${layer}.linear.weight`, b: `SequenceModeling.${layer}.linear.bias` };
}

interface CompiledLayer {
  hidden: number;
  /** [2·In, 8H]: rows 0..In feed the forward gate columns, rows In..2In the backward ones. */
  wIn: Tensor;
  /** [8H]. */
  bias: Tensor;
  /** [In, 8H]: wIn's two row blocks summed (their columns do not overlap), for the fused kernel. */
  wX: Tensor;
  /** [2H, 8H], block-diagonal. */
  wRec: Tensor;
  linear: { w: Tensor; b: Tensor } | null;
}

/** Gate g of a [4H, n] PyTorch-layout weight, transposed to [n, H]. Order [i, f, g, o]. */
function gateT(w: Tensor, g: number, h: number): Tensor {
  return tf.transpose(tf.slice(w, [g * h, 0], [h, w.shape[1]!]));
}

/** Packs forward (f) and backward (b) [n, H] gate blocks into [2n, 8H] (block-diagonal) in the order
 *  i, f, o, g. */
function packBlock(f: Tensor, b: Tensor, gates: number[], h: number): Tensor {
  const n = f.shape[1]!; // f, b: [4H, n]
  const cols: Tensor[] = [];
  for (const g of gates) {
    const zf = tf.zeros([n, h]);
    cols.push(tf.concat([gateT(f, g, h), zf], 0), tf.concat([zf, gateT(b, g, h)], 0));
  }
  return tf.concat(cols, 1);
}

const GATE_ORDER = [0, 1, 3, 2]; // i, f, o, g from [i, f, g, o]

export class BiLstm implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;

  constructor(
    readonly config: BiLstmConfig,
    readonly inFeatures: number,
  ) {
    let inF = inFeatures;
    config.layers.forEach((l, i) => {
      for (const reverse of [false, true]) {
        const n = lstmNames(config.naming, i, reverse);
        this.specs.push(
          plainSpec(n.wIh, [4 * l.hidden, inF], 'uniform_lstm'),
          plainSpec(n.wHh, [4 * l.hidden, l.hidden], 'uniform_lstm'),
          vecSpec(n.bIh, 4 * l.hidden),
          vecSpec(n.bHh, 4 * l.hidden),
        );
      }
      inF = 2 * l.hidden;
      if (l.linear !== undefined) {
        const ln = linearNames(i);
        this.specs.push(linearSpec(ln.w, inF, l.linear), vecSpec(ln.b, l.linear));
        inF = l.linear;
      }
    });
    this.outChannels = inF;
  }

  compile(params: Params): CompiledStage {
    const layers: CompiledLayer[] = this.config.layers.map((l, i) => {
      const h = l.hidden;
      const ln = linearNames(i);
      const [wIn, wX, bias, wRec, lw, lb] = tf.tidy(() => {
        const f = lstmNames(this.config.naming, i, false);
        const b = lstmNames(this.config.naming, i, true);
        const biasF = tf.add(getParam(params, f.bIh), getParam(params, f.bHh));
        const biasB = tf.add(getParam(params, b.bIh), getParam(params, b.bHh));
        const wIn = packBlock(getParam(params, f.wIh), getParam(params, b.wIh), GATE_ORDER, h);
        const inF = wIn.shape[0] / 2;
        return [
          wIn,
          tf.add(tf.slice(wIn, [0, 0], [inF, 8 * h]), tf.slice(wIn, [inF, 0], [inF, 8 * h])),
          tf.concat(GATE_ORDER.flatMap((g) => [tf.slice(biasF, g * h, h), tf.slice(biasB, g * h, h)])),
          packBlock(getParam(params, f.wHh), getParam(params, b.wHh), GATE_ORDER, h),
          ...(l.linear !== undefined ? [getParam(params, ln.w).clone(), getParam(params, ln.b).clone()] : []),
        ];
      }) as [Tensor, Tensor, Tensor, Tensor, Tensor?, Tensor?];
      return { hidden: h, wIn, wX, bias, wRec, linear: lw !== undefined && lb !== undefined ? { w: lw, b: lb } : null };
    });
    return {
      apply: (x: Tensor): Tensor => tf.tidy(() => layers.reduce((y, l) => runLayer(y, l), x)),
      dispose: () => {
        for (const l of layers) {
          l.wIn.dispose();
          l.wX.dispose();
          l.bias.dispose();
          l.wRec.dispose();
          l.linear?.w.dispose();
          l.linear?.b.dispose();
        }
      },
    };
  }
}

/** x: [T, B, In] → [T, B, 2H] (or [T, B, linear]). */
function runLayer(x: Tensor, l: CompiledLayer): Tensor {
  const [steps, batch, inF] = x.shape as [number, number, number];
  const h2 = 2 * l.hidden;
  if (hasBiLstmLayerKernel()) return withLinear(biLstmLayer(x, l.wX, l.bias, l.wRec, l.hidden), l);
  if (hasBiLstmKernel(l.hidden)) {
    const proj = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [steps * batch, inF]), l.wX), l.bias), [steps, batch, 4 * h2]);
    return withLinear(biLstmSequence(proj, l.wRec, l.hidden), l);
  }
  const both = tf.concat([x, tf.reverse(x, 0)], 2); // [T, B, 2In]: x[s] beside x[T−1−s]
  const proj = tf.add(tf.matMul(tf.reshape(both, [steps * batch, 2 * inF]), l.wIn), l.bias); // [T·B, 8H]
  const xs = tf.unstack(tf.reshape(proj, [steps, batch, 4 * h2])); // T × [B, 8H]
  let h: Tensor = tf.zeros([batch, h2]);
  let c: Tensor = tf.zeros([batch, h2]);
  const outs: Tensor[] = [];
  for (let s = 0; s < steps; s++) {
    const gates = tf.add(xs[s]!, tf.matMul(h, l.wRec)); // [B, 8H]: i f o g, each [B, 2H]
    const [ifo, g] = tf.split(gates, [3 * h2, h2], 1) as [Tensor, Tensor];
    const [i, f, o] = tf.split(tf.sigmoid(ifo), 3, 1) as [Tensor, Tensor, Tensor];
    c = tf.add(tf.mul(f, c), tf.mul(i, tf.tanh(g)));
    h = tf.mul(o, tf.tanh(c));
    outs.push(h);
  }
  const hs = tf.stack(outs); // [T, B, 2H]: forward at s, backward at T−1−s
  const [hf, hb] = tf.split(hs, 2, 2) as [Tensor, Tensor];
  return withLinear(tf.concat([hf, tf.reverse(hb, 0)], 2), l); // [T, B, 2H]
}

/** The layer's optional Linear over y [T, B, 2H]. */
function withLinear(y: Tensor, l: CompiledLayer): Tensor {
  if (l.linear === null) return y;
  const [steps, batch, h2] = y.shape as [number, number, number];
  return tf.reshape(tf.add(tf.matMul(tf.reshape(y, [steps * batch, h2]), l.linear.w), l.linear.b), [steps, batch, -1]);
}
