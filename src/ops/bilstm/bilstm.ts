/**
 * `biLstmSequence(proj, wRec, hidden)`: the recurrence of one bidirectional LSTM layer over the whole
 * sequence and batch as one kernel, forward and backward on cpu and wasm, forward only on webgpu: what
 * took ~12 tfjs ops per step. Layout in ./reference.ts. Where the kernel is missing (webgpu under a
 * gradient tape, other backends) the BiLSTM stage keeps its per-step ops (`hasBiLstmKernel`).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

export const BILSTM_SEQ = 'WebstrBiLstmSeq';
export const BILSTM_SEQ_GRAD = 'WebstrBiLstmSeqGrad';
/** Inference only, wasm only: the input projection and the recurrence of one layer in one kernel. */
export const BILSTM_LAYER = 'WebstrBiLstmLayer';

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements (`npm run perf`). */
export function setBiLstmKernelEnabled(on: boolean): void {
  enabled = on;
}

let layerEnabled = true;

/** Switches the one-kernel layer (projection + recurrence) off and on again: for before/after measurements. */
export function setBiLstmLayerKernelEnabled(on: boolean): void {
  layerEnabled = on;
}

/** True where a whole layer runs as one kernel: inference (no gradient tape) on a backend that has it (wasm). */
export function hasBiLstmLayerKernel(): boolean {
  return enabled && layerEnabled && tf.engine().state.gradientDepth === 0 && tf.getKernel(BILSTM_LAYER, tf.getBackend()) !== undefined;
}

/** Largest H of the webgpu kernel: h, the next h and c of one row sit in workgroup memory (3·H floats
 *  of WebGPU's default 16 KiB). */
export const WEBGPU_MAX_HIDDEN = 1024;

/**
 * True when the fused path is on and the active backend has the kernel, and, when a gradient tape
 * records, its backward kernel too (webgpu has the forward only). `hidden`, when given, is checked
 * against the webgpu limit.
 */
export function hasBiLstmKernel(hidden = 0): boolean {
  const name = tf.getBackend();
  if (!enabled || tf.getKernel(BILSTM_SEQ, name) === undefined) return false;
  if (tf.engine().state.gradientDepth > 0 && tf.getKernel(BILSTM_SEQ_GRAD, name) === undefined) return false;
  return name !== 'webgpu' || hidden <= WEBGPU_MAX_HIDDEN;
}

/** proj: [T, B, 8H], wRec: [2H, 8H] → y [T, B, 2H]. */
export function biLstmSequence(proj: Tensor, wRec: Tensor, hidden: number): Tensor {
  if (!Number.isInteger(hidden) || hidden <= 0) throw new InvalidArgumentError(`biLstmSequence: hidden must be a positive integer, got ${hidden}`);
  for (const [name, t] of [['proj', proj], ['wRec', wRec]] as const) {
    if (t.dtype !== 'float32') throw new InvalidArgumentError(`biLstmSequence: expected ${name} of dtype float32, got ${t.dtype}`);
  }
  if (proj.rank !== 3 || proj.shape[2] !== 8 * hidden) {
    throw new InvalidArgumentError(`biLstmSequence: proj must be [T, B, ${8 * hidden}], got [${proj.shape.join(', ')}]`);
  }
  if (wRec.rank !== 2 || wRec.shape[0] !== 2 * hidden || wRec.shape[1] !== 8 * hidden) {
    throw new InvalidArgumentError(`biLstmSequence: wRec must be [${2 * hidden}, ${8 * hidden}], got [${wRec.shape.join(', ')}]`);
  }
  // The saved gates and cells are made only when a gradient tape records this call.
  const save = tf.engine().state.gradientDepth > 0;
  const out = tf.engine().runKernel<Tensor | Tensor[]>(BILSTM_SEQ, { proj, wRec }, { hidden, save });
  if (!Array.isArray(out)) return out;
  return out[0]!;
}

/** x [T, B, In], wX [In, 8H], bias [8H], wRec [2H, 8H] → y [T, B, 2H]: biLstmSequence(x·wX + bias, wRec) as one
 *  kernel, at inference (no gradient; see hasBiLstmLayerKernel). */
export function biLstmLayer(x: Tensor, wX: Tensor, bias: Tensor, wRec: Tensor, hidden: number): Tensor {
  if (!Number.isInteger(hidden) || hidden <= 0) throw new InvalidArgumentError(`biLstmLayer: hidden must be a positive integer, got ${hidden}`);
  for (const [name, t] of [['x', x], ['wX', wX], ['bias', bias], ['wRec', wRec]] as const) {
    if (t.dtype !== 'float32') throw new InvalidArgumentError(`biLstmLayer: expected ${name} of dtype float32, got ${t.dtype}`);
  }
  const inF = x.shape[2];
  if (x.rank !== 3 || wX.rank !== 2 || wX.shape[0] !== inF || wX.shape[1] !== 8 * hidden) {
    throw new InvalidArgumentError(`biLstmLayer: x [T, B, In] and wX [In, ${8 * hidden}] expected, got [${x.shape.join(', ')}] and [${wX.shape.join(', ')}]`);
  }
  if (bias.rank !== 1 || bias.shape[0] !== 8 * hidden) throw new InvalidArgumentError(`biLstmLayer: bias must be [${8 * hidden}], got [${bias.shape.join(', ')}]`);
  if (wRec.rank !== 2 || wRec.shape[0] !== 2 * hidden || wRec.shape[1] !== 8 * hidden) {
    throw new InvalidArgumentError(`biLstmLayer: wRec must be [${2 * hidden}, ${8 * hidden}], got [${wRec.shape.join(', ')}]`);
  }
  return tf.engine().runKernel<Tensor>(BILSTM_LAYER, { x, wX, bias, wRec }, { hidden });
}
