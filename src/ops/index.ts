export { hardSwish } from './hard_swish/hard_swish.ts';
export { ctcLoss, type CtcLossOptions } from './ctc_loss/ctc_loss.ts';
export { registerAllKernels, KERNELS, GRADIENTS } from './registry.ts';
