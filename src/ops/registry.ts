/**
 * Every custom kernel and gradient of the project, registered from this one list (never as a side
 * effect of importing a model). `registerAllKernels()` is idempotent; startEngine (engine.ts) calls it.
 */
import { tf, type GradConfig, type KernelConfig } from '../runtime/tf.ts';
import { hardSwishGrad, hardSwishKernels } from './hard_swish/kernels.ts';
import { gridSampleGrad, gridSampleKernels } from './grid_sample/kernels.ts';
import { spinColorKernels, spinPowerSumGrad } from './spin_color/kernels.ts';
import { ctcLossGrad, ctcLossKernels } from './ctc_loss/kernels.ts';
import { convGradKernels, gradKernelOverrides, wasmBatchMatMulWrapper, wasmCastWrapper, wasmIdentityWrapper, wasmMeanWrapper, wasmSumWrapper } from './tfjs_patches/index.ts';
import { biLstmGrad, biLstmKernels } from './bilstm/kernels.ts';
import { depthwiseActGrad, depthwiseActKernels } from './depthwise_act/kernels.ts';
import { pointwiseActKernels } from './pointwise_act/kernels.ts';
import { seBlockGrad, seBlockKernels } from './se_block/kernels.ts';
import { adamKernels } from './adam/kernels.ts';
import { batchNormActGrad, batchNormKernels } from './batch_norm/kernels.ts';
import { attentionDecodeKernels } from './attention_decode/kernels.ts';
import { svtrNeckKernels } from './svtr_neck/kernels.ts';
import { mv3UnitKernels } from './mv3_unit/kernels.ts';
import { mv3BackboneKernels } from './mv3_unit/backbone.ts';

export const KERNELS: readonly KernelConfig[] = [...hardSwishKernels, ...gridSampleKernels, ...spinColorKernels, ...ctcLossKernels, ...convGradKernels, ...biLstmKernels, ...depthwiseActKernels, ...pointwiseActKernels, ...seBlockKernels, ...adamKernels, ...batchNormKernels, ...attentionDecodeKernels, ...svtrNeckKernels, ...mv3UnitKernels, ...mv3BackboneKernels];
export const OVERRIDES: readonly KernelConfig[] = [...gradKernelOverrides];
/** Wrappers of a backend's own kernel (same results, faster path): built from the kernel they replace. */
export const WRAPPERS: readonly { kernelName: string; backendName: string; wrap: (original: KernelConfig) => KernelConfig }[] = [
  { kernelName: 'BatchMatMul', backendName: 'wasm', wrap: wasmBatchMatMulWrapper },
  { kernelName: 'Sum', backendName: 'wasm', wrap: wasmSumWrapper },
  { kernelName: 'Mean', backendName: 'wasm', wrap: wasmMeanWrapper },
  { kernelName: 'Identity', backendName: 'wasm', wrap: wasmIdentityWrapper },
  { kernelName: 'Cast', backendName: 'wasm', wrap: wasmCastWrapper },
];
export const GRADIENTS: readonly GradConfig[] = [hardSwishGrad, gridSampleGrad, spinPowerSumGrad, ctcLossGrad, biLstmGrad, depthwiseActGrad, batchNormActGrad, seBlockGrad];

let registered = false;

export function registerAllKernels(): void {
  if (registered) return;
  for (const k of KERNELS) {
    if (tf.getKernel(k.kernelName, k.backendName) === undefined) tf.registerKernel(k);
  }
  // Replacements of a backend's own kernel (wrong results there): unregister first.
  for (const k of OVERRIDES) {
    if (tf.getKernel(k.kernelName, k.backendName) !== undefined) tf.unregisterKernel(k.kernelName, k.backendName);
    tf.registerKernel(k);
  }
  for (const w of WRAPPERS) {
    const original = tf.getKernel(w.kernelName, w.backendName);
    if (original === undefined) continue;
    tf.unregisterKernel(w.kernelName, w.backendName);
    tf.registerKernel(w.wrap(original));
  }
  for (const g of GRADIENTS) tf.registerGradient(g);
  registered = true;
}
