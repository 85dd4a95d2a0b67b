/** The stage contract: a stage declares its parameters and output size, and compiles them for inference. */
import type { Tensor } from '../runtime/tf.ts';
import type { ParamSpec, Params } from './params.ts';

export interface CompiledStage {
  apply(x: Tensor): Tensor;
  dispose(): void;
}

/** Batch statistics of one BatchNorm in a training forward (biased variance over `count` values). */
export interface BnBatchStats {
  /** Names of the running statistics this batch updates. */
  mean: string;
  variance: string;
  batchMean: Tensor;
  batchVar: Tensor;
  count: number;
}

/**
 * A training forward (issue 9): the stage is compiled inside a gradient scope from `tf.Variable`s, so
 * every tensor derived from a parameter stays differentiable.
 * - `batchNorm: 'batch'`: BatchNorm normalises with the batch's statistics (train mode) and pushes them
 *   to `bnStats` (kept tensors, owned by the caller, who updates the running statistics);
 * - `batchNorm: 'running'`: running statistics (eval / frozen): the inference folding, γ and β still get
 *   gradients through it.
 * - `teacher`: attention heads are fed these decoder inputs ([B, steps] int32: [GO], c1, …) instead of
 *   their own argmax (teacher forcing).
 */
export interface TrainMode {
  batchNorm: 'batch' | 'running';
  bnStats: BnBatchStats[];
  teacher: Tensor | null;
}

export interface Stage {
  readonly specs: readonly ParamSpec[];
  /** Channels (backbone) or features (sequence, head) of the output. */
  readonly outChannels: number;
  /** Precomputes inference tensors (BatchNorm folded into convs, packed LSTM weights); with `train`,
   *  the training forward of the same code (see TrainMode). */
  compile(params: Params, train?: TrainMode): CompiledStage;
}
