/** The stage contract: a stage declares its parameters and output size, and compiles them for inference. */
import type { Tensor } from '../runtime/tf.ts';
import type { ParamSpec, Params } from './params.ts';

export interface CompiledStage {
  apply(x: Tensor): Tensor;
  dispose(): void;
}

export interface Stage {
  readonly specs: readonly ParamSpec[];
  /** Channels (backbone) or features (sequence, head) of the output. */
  readonly outChannels: number;
  /** Precomputes inference tensors (BatchNorm folded into convs, packed LSTM weights). */
  compile(params: Params): CompiledStage;
}
