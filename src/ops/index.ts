export { hardSwish } from './hard_swish/hard_swish.ts';
export { ctcLoss, type CtcLossOptions } from './ctc_loss/ctc_loss.ts';
export { registerAllKernels, KERNELS, GRADIENTS } from './registry.ts';
export { gridSample, type GridSampleOptions, type Padding } from './grid_sample/grid_sample.ts';
export { tpsGrid, tpsMatrix, rareInitialFiducials, targetFiducials, TPS_FIDUCIALS } from './tps/tps.ts';
export { spinColor, spinBetas, spinPowerSum, type SpinColorOptions } from './spin_color/spin_color.ts';
