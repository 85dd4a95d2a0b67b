/**
 * `adamStep`: one Adam / AdamW update of one parameter as one kernel (cpu and wasm twin) instead of
 * ~12 tfjs ops: a crnn-mv3-en step made ~1,800 optimizer kernel calls. Same arithmetic as the op chain
 * in src/train/optim/optimizers.ts (PyTorch's Adam): optional L2 (wd added to g) or decoupled decay
 * (p·(1 − lr·wd) first), m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², p −= lr/bc1 · m / (√v/√bc2 + ε).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';

export const ADAM_STEP = 'WebstrAdamStep';

export interface AdamStepAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  wd: number;
  decoupled: boolean;
  /** Bias corrections 1 − β1^k and 1 − β2^k. */
  bc1: number;
  bc2: number;
}

let enabled = true;

/** Switches the fused update off and on again: for before/after measurements. */
export function setAdamKernelEnabled(on: boolean): void {
  enabled = on;
}

/** True when the fused update is on and the active backend has the kernel. */
export function hasAdamKernel(): boolean {
  return enabled && tf.getKernel(ADAM_STEP, tf.getBackend()) !== undefined;
}

/** → [p', m', v'] (new tensors; the caller assigns them). */
export function adamStep(p: Tensor, m: Tensor, v: Tensor, g: Tensor, attrs: AdamStepAttrs): [Tensor, Tensor, Tensor] {
  for (const [name, t] of [['m', m], ['v', v], ['g', g]] as const) {
    if (t.dtype !== 'float32' || p.dtype !== 'float32' || t.size !== p.size) {
      throw new InvalidArgumentError(`adamStep: ${name} must be float32 with p's ${p.size} elements, got ${t.dtype} [${t.shape.join(', ')}]`);
    }
  }
  return tf.engine().runKernel<Tensor[]>(ADAM_STEP, { p, m, v, g }, { ...attrs }) as [Tensor, Tensor, Tensor];
}
