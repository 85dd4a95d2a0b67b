/** Optimizer state as plain data (no tfjs: it travels in checkpoints, worker messages and the library's types). */
export interface SlotState {
  shape: number[];
  data: number[];
}

/** Plain-data optimizer state: JSON- and structured-clone-safe. */
export interface OptimizerState {
  kind: string;
  /** Optimizer steps taken (the schedule's clock). */
  step: number;
  /** Per parameter: its own update count (a parameter without a gradient on a step is skipped, as in
   *  PyTorch) and its slot tensors by slot name. */
  params: Record<string, { step: number; slots: Record<string, SlotState> }>;
}
