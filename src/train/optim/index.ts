export { Adam, AdamW, Adadelta, SGD, Optimizer, makeOptimizer } from './optimizers.ts';
export type {
  AdamOptions,
  AdadeltaOptions,
  SgdOptions,
  OptimizerOptions,
  OptimizerState,
  OptimizerKind,
  NamedVariables,
  SlotState,
} from './optimizers.ts';
export { constantLr, piecewiseLr, cosineLr, makeSchedule } from './schedules.ts';
export type { Schedule, ScheduleSpec, ConstantSpec, PiecewiseSpec, CosineSpec } from './schedules.ts';
export { clipGradNorm, type ClippedGrads } from './clip.ts';
