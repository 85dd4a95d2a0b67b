export { hardSwish } from './hard_swish/hard_swish.ts';
export { registerAllKernels, KERNELS, GRADIENTS } from './registry.ts';
