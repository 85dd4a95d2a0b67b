/**
 * Optimizers the reference recipes use (docs/models.md §5.3, §6.4, §7.7), written over tf tensors to match
 * PyTorch 1.13's update rules (torch/optim/{adam,adamw,adadelta,sgd}.py, single-tensor path):
 *   Adam      g += wd·p (L2);  m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
 *             p −= lr/(1−β1^k) · m / (√v / √(1−β2^k) + ε)
 *   AdamW     p ← p·(1 − lr·wd) (decoupled), then Adam without the L2 term
 *   Adadelta  g += wd·p;  s = ρ s + (1−ρ) g²;  δ = √(u + ε)/√(s + ε) · g;  u = ρ u + (1−ρ) δ²;  p −= lr·δ
 *   SGD       g += wd·p;  b = g (first step) or μ b + (1−dampening) g;  g = g + μ b (Nesterov) or b;
 *             p −= lr·g
 * Parameters are named tf.Variables; the learning rate is a number or a Schedule of the step, times a
 * per-parameter scale (e.g. the TPS `loc_lr` 0.1 of PaddleOCR on `loc.*`). Optional global-norm
 * clipping runs before the update, as the recipes clip before `optimizer.step()`.
 * State (step counts and slot tensors) round-trips through plain arrays for checkpoints.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { clipGradNorm } from './clip.ts';
import { adamStep, hasAdamKernel } from '../../ops/adam/adam.ts';
import { constantLr, type Schedule } from './schedules.ts';

export interface OptimizerOptions {
  /** A constant rate or a schedule of the 0-based step. */
  lr: number | Schedule;
  /** Multiplies the rate per parameter: a map from name prefix to scale, or a function of the name. */
  lrScale?: Record<string, number> | ((name: string) => number);
  /** Clip the gradients to this global L2 norm before each update (clip_grad_norm_). */
  clipNorm?: number;
  weightDecay?: number;
}

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}
export interface AdadeltaOptions extends OptimizerOptions {
  rho?: number;
  eps?: number;
}
export interface SgdOptions extends OptimizerOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

export type { OptimizerState, SlotState } from './state.ts';
import type { OptimizerState, SlotState } from './state.ts';

export type NamedVariables = Record<string, tf.Variable>;

export abstract class Optimizer {
  abstract readonly kind: string;
  protected readonly schedule: Schedule;
  protected readonly scale: (name: string) => number;
  /** Optimizer steps taken so far. */
  stepCount = 0;
  private readonly paramSteps = new Map<string, number>();
  private readonly slots = new Map<string, Map<string, tf.Variable>>();

  constructor(
    readonly params: NamedVariables,
    protected readonly options: OptimizerOptions,
  ) {
    this.schedule = typeof options.lr === 'number' ? constantLr(options.lr) : options.lr;
    const s = options.lrScale;
    if (s === undefined) this.scale = () => 1;
    else if (typeof s === 'function') this.scale = s;
    else {
      const entries = Object.entries(s).sort((a, b) => b[0].length - a[0].length);
      this.scale = (name) => entries.find(([prefix]) => name.startsWith(prefix))?.[1] ?? 1;
    }
    if (options.clipNorm !== undefined && !(options.clipNorm > 0)) {
      throw new InvalidArgumentError(`${this.constructor.name}: clipNorm must be > 0, got ${options.clipNorm}`);
    }
  }

  /** The base rate of the next step (before per-parameter scale). */
  get lr(): number {
    return this.schedule(this.stepCount);
  }

  /** The rate the next step uses for parameter `name`. */
  lrOf(name: string): number {
    return this.lr * this.scale(name);
  }

  /**
   * One update from gradients by parameter name (missing or null: that parameter is skipped). Leaves
   * the given gradients alone. Returns the global gradient norm before clipping when clipping is on.
   */
  step(grads: Record<string, Tensor | null | undefined>): tf.Scalar | null {
    for (const name of Object.keys(grads)) {
      if (!(name in this.params)) {
        throw new InvalidArgumentError(
          `${this.constructor.name}.step: gradient for unknown parameter '${name}'; parameters: ${Object.keys(this.params).join(', ')}`,
        );
      }
    }
    const present: Record<string, Tensor> = {};
    for (const [name, g] of Object.entries(grads)) {
      if (g === null || g === undefined) continue;
      const p = this.params[name]!;
      if (g.shape.join(',') !== p.shape.join(',')) {
        throw new InvalidArgumentError(
          `${this.constructor.name}.step: gradient of '${name}' has shape [${g.shape.join(', ')}], expected [${p.shape.join(', ')}]`,
        );
      }
      present[name] = g;
    }
    let totalNorm: tf.Scalar | null = null;
    let use = present;
    if (this.options.clipNorm !== undefined) {
      const clipped = clipGradNorm(present, this.options.clipNorm);
      use = clipped.grads;
      totalNorm = clipped.totalNorm;
    }
    try {
      for (const [name, g] of Object.entries(use)) {
        const k = (this.paramSteps.get(name) ?? 0) + 1;
        this.paramSteps.set(name, k);
        tf.tidy(() => this.update(name, this.params[name]!, g, this.lrOf(name), k));
      }
    } finally {
      if (use !== present) tf.dispose(Object.values(use));
    }
    this.stepCount++;
    return totalNorm;
  }

  /**
   * Computes the gradients of `loss` w.r.t. the parameters (tf.variableGrads) and takes one step.
   * Returns the loss value (the caller disposes it); the gradients are freed here.
   */
  minimize(loss: () => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, Object.values(this.params));
    try {
      const byName: Record<string, Tensor> = {};
      for (const [name, v] of Object.entries(this.params)) {
        const g = grads[v.name];
        if (g !== undefined) byName[name] = g;
      }
      this.step(byName)?.dispose();
    } finally {
      tf.dispose(Object.values(grads));
    }
    return value;
  }

  /** Updates one parameter in place (`assign`), inside a tidy scope; `k` is its 1-based update count. */
  protected abstract update(name: string, p: tf.Variable, g: Tensor, lr: number, k: number): void;

  /** The slot tensor `slot` of parameter `name`, created as zeros on first use. */
  protected slot(name: string, slot: string): tf.Variable {
    let m = this.slots.get(name);
    if (m === undefined) {
      m = new Map();
      this.slots.set(name, m);
    }
    let v = m.get(slot);
    if (v === undefined) {
      const p = this.params[name]!;
      v = tf.keep(tf.variable(tf.zerosLike(p), false));
      m.set(slot, v);
    }
    return v;
  }

  protected hasSlot(name: string, slot: string): boolean {
    return this.slots.get(name)?.has(slot) ?? false;
  }

  async getState(): Promise<OptimizerState> {
    const params: OptimizerState['params'] = {};
    for (const [name, k] of this.paramSteps) {
      const slots: Record<string, SlotState> = {};
      for (const [slot, v] of this.slots.get(name) ?? []) slots[slot] = { shape: [...v.shape], data: Array.from(await v.data()) };
      params[name] = { step: k, slots };
    }
    return { kind: this.kind, step: this.stepCount, params };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new InvalidArgumentError(`${this.constructor.name}.setState: state is for '${state.kind}', expected '${this.kind}'`);
    }
    for (const [name, s] of Object.entries(state.params)) {
      const p = this.params[name];
      if (p === undefined) throw new InvalidArgumentError(`${this.constructor.name}.setState: unknown parameter '${name}'`);
      for (const [slot, t] of Object.entries(s.slots)) {
        if (t.shape.join(',') !== p.shape.join(',')) {
          throw new InvalidArgumentError(
            `${this.constructor.name}.setState: slot ${name}/${slot} has shape [${t.shape.join(', ')}], expected [${p.shape.join(', ')}]`,
          );
        }
      }
    }
    this.disposeSlots();
    this.stepCount = state.step;
    for (const [name, s] of Object.entries(state.params)) {
      this.paramSteps.set(name, s.step);
      for (const [slot, t] of Object.entries(s.slots)) {
        tf.tidy(() => this.slot(name, slot).assign(tf.tensor(t.data, t.shape, 'float32')));
      }
    }
  }

  private disposeSlots(): void {
    for (const m of this.slots.values()) for (const v of m.values()) v.dispose();
    this.slots.clear();
    this.paramSteps.clear();
  }

  /** Frees the slot tensors (not the parameters). */
  dispose(): void {
    this.disposeSlots();
  }
}

function checkRange(owner: string, name: string, v: number, lo: number, hi: number, loOpen = false): number {
  if (!(loOpen ? v > lo : v >= lo) || !(v < hi)) {
    throw new InvalidArgumentError(`${owner}: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}), got ${v}`);
  }
  return v;
}

/** Adam (Kingma & Ba 2015) with PyTorch's coupled L2 weight decay; `decoupled` makes it AdamW. */
export class Adam extends Optimizer {
  readonly kind: string = 'adam';
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly eps: number;
  protected readonly wd: number;
  protected decoupled = false;

  constructor(params: NamedVariables, options: AdamOptions) {
    super(params, options);
    this.beta1 = checkRange('Adam', 'beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange('Adam', 'beta2', options.beta2 ?? 0.999, 0, 1);
    this.eps = checkRange('Adam', 'eps', options.eps ?? 1e-8, 0, Infinity);
    this.wd = checkRange('Adam', 'weightDecay', options.weightDecay ?? 0, 0, Infinity);
  }

  protected update(name: string, p: tf.Variable, gIn: Tensor, lr: number, k: number): void {
    const m = this.slot(name, 'exp_avg');
    const v = this.slot(name, 'exp_avg_sq');
    if (hasAdamKernel()) {
      // cpu and wasm: the whole update as one kernel (src/ops/adam), same arithmetic as below.
      const [p2, m2, v2] = adamStep(p, m, v, gIn, {
        lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, wd: this.wd, decoupled: this.decoupled, bc1: 1 - this.beta1 ** k, bc2: 1 - this.beta2 ** k,
      });
      p.assign(p2);
      m.assign(m2);
      v.assign(v2);
      tf.dispose([p2, m2, v2]);
      return;
    }
    let g = gIn;
    if (this.decoupled) {
      if (this.wd !== 0) p.assign(p.mul(1 - lr * this.wd));
    } else if (this.wd !== 0) {
      g = g.add(p.mul(this.wd));
    }
    m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
    v.assign(v.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
    const bc1 = 1 - this.beta1 ** k;
    const bc2 = 1 - this.beta2 ** k;
    const denom = v.sqrt().div(Math.sqrt(bc2)).add(this.eps);
    p.assign(p.sub(m.div(denom).mul(lr / bc1)));
  }
}

/** AdamW (Loshchilov & Hutter 2019): decoupled weight decay, default 0.01 as PyTorch and Paddle. */
export class AdamW extends Adam {
  override readonly kind: string = 'adamw';
  constructor(params: NamedVariables, options: AdamOptions) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0.01 });
    this.decoupled = true;
  }
}

/** Adadelta (Zeiler 2012) as PyTorch, lr included (DTRB: lr 1, ρ 0.95, ε 1e−8). */
export class Adadelta extends Optimizer {
  readonly kind = 'adadelta';
  private readonly rho: number;
  private readonly eps: number;
  private readonly wd: number;

  constructor(params: NamedVariables, options: AdadeltaOptions) {
    super(params, options);
    this.rho = checkRange('Adadelta', 'rho', options.rho ?? 0.9, 0, 1.0000001);
    this.eps = checkRange('Adadelta', 'eps', options.eps ?? 1e-6, 0, Infinity);
    this.wd = checkRange('Adadelta', 'weightDecay', options.weightDecay ?? 0, 0, Infinity);
  }

  protected update(name: string, p: tf.Variable, gIn: Tensor, lr: number): void {
    const g = this.wd !== 0 ? gIn.add(p.mul(this.wd)) : gIn;
    const sq = this.slot(name, 'square_avg');
    const acc = this.slot(name, 'acc_delta');
    sq.assign(sq.mul(this.rho).add(g.square().mul(1 - this.rho)));
    const std = sq.add(this.eps).sqrt();
    const delta = acc.add(this.eps).sqrt().div(std).mul(g);
    acc.assign(acc.mul(this.rho).add(delta.square().mul(1 - this.rho)));
    p.assign(p.sub(delta.mul(lr)));
  }
}

/** SGD with momentum, dampening and Nesterov as PyTorch (MindSpore CRNN: momentum 0.95, Nesterov). */
export class SGD extends Optimizer {
  readonly kind = 'sgd';
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly nesterov: boolean;
  private readonly wd: number;

  constructor(params: NamedVariables, options: SgdOptions) {
    super(params, options);
    this.momentum = checkRange('SGD', 'momentum', options.momentum ?? 0, 0, Infinity);
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.wd = checkRange('SGD', 'weightDecay', options.weightDecay ?? 0, 0, Infinity);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new InvalidArgumentError('SGD: Nesterov momentum requires momentum > 0 and dampening 0');
    }
  }

  protected update(name: string, p: tf.Variable, gIn: Tensor, lr: number): void {
    let g = this.wd !== 0 ? gIn.add(p.mul(this.wd)) : gIn;
    if (this.momentum !== 0) {
      const fresh = !this.hasSlot(name, 'momentum_buffer');
      const buf = this.slot(name, 'momentum_buffer');
      buf.assign(fresh ? g : buf.mul(this.momentum).add(g.mul(1 - this.dampening)));
      g = this.nesterov ? g.add(buf.mul(this.momentum)) : buf;
    }
    p.assign(p.sub(g.mul(lr)));
  }
}

export type OptimizerKind = 'adam' | 'adamw' | 'adadelta' | 'sgd';

/** An optimizer by name (configs); unknown names fail with the list of valid ones. */
export function makeOptimizer(
  kind: OptimizerKind,
  params: NamedVariables,
  options: AdamOptions & AdadeltaOptions & SgdOptions,
): Optimizer {
  switch (kind) {
    case 'adam':
      return new Adam(params, options);
    case 'adamw':
      return new AdamW(params, options);
    case 'adadelta':
      return new Adadelta(params, options);
    case 'sgd':
      return new SGD(params, options);
    default:
      throw new InvalidArgumentError(`unknown optimizer '${String(kind)}'; expected one of adam, adamw, adadelta, sgd`);
  }
}
