/**
 * The training forward of every preset (issue 9): the same stage code as inference, compiled inside a
 * gradient scope from `tf.Variable`s (see `TrainMode` in stage.ts), so gradients reach every trainable
 * parameter. BatchNorm runs on batch statistics (`'batch'`) or on the running ones (`'running'`: eval /
 * frozen, γ and β still trained); running statistics are updated after each step with the reference's
 * momentum (`bnMomentum`).
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { ModelConfig } from './config.ts';
import { buildStages, checkParams, CompiledModel, forwardStages, type ModelStages, type StageName } from './model.ts';
import { toHost, type HostTensors, type Params } from './params.ts';
import type { BnBatchStats, CompiledStage, TrainMode } from './stage.ts';

/**
 * How a preset's BatchNorm updates its running statistics in train mode:
 * running ← (1 − w)·running + w·batch. PyTorch (`momentum=0.1`): w = 0.1 and the batch variance
 * unbiased (n/(n−1)). Paddle (`momentum=0.9` of the old value): w = 0.1, biased batch variance.
 */
export interface BnMomentum {
  batchWeight: number;
  unbiased: boolean;
}

export function bnMomentum(config: ModelConfig): BnMomentum {
  return config.head.naming === 'paddle' ? { batchWeight: 0.1, unbiased: false } : { batchWeight: 0.1, unbiased: true };
}

export interface TrainForwardOptions {
  batchNorm: 'batch' | 'running';
  /** Attention heads: decoder inputs [B, steps] int32 (teacher forcing). */
  teacher?: Tensor | null;
}

export interface TrainStepResult {
  loss: tf.Scalar;
  /** Gradients by parameter name (trainable parameters reached by the loss). */
  grads: Record<string, Tensor>;
  /** BatchNorm batch statistics (empty with `batchNorm: 'running'`). */
  bnStats: BnBatchStats[];
}

let nextModelId = 0;

/** A model's parameters as `tf.Variable`s (named by ParamSpec names) with a differentiable forward. */
export class TrainableModel {
  readonly stages: ModelStages;
  readonly numClasses: number;
  /** Every parameter (running statistics are non-trainable variables), by ParamSpec name. */
  readonly variables: Record<string, tf.Variable> = {};
  /** The trainable subset, by ParamSpec name. */
  readonly trainable: Record<string, tf.Variable> = {};
  private readonly byEngineName = new Map<string, string>();
  private readonly frozen: ReadonlySet<StageName>;
  private disposed = false;

  /** `frozen`: stages whose parameters stay as given (not trainable; BatchNorm on running statistics). */
  constructor(
    readonly config: ModelConfig,
    params: Params,
    numClasses?: number,
    frozen: readonly StageName[] = [],
  ) {
    this.stages = buildStages(config, numClasses);
    this.numClasses = this.stages.numClasses;
    this.frozen = new Set(frozen);
    checkParams(config.name, this.stages.specs, params);
    const frozenNames = new Set<string>();
    for (const s of this.frozen) for (const spec of this.stages[s]?.specs ?? []) frozenNames.add(spec.name);
    // Engine names must be unique across live variables; the records are keyed by the spec names.
    const id = nextModelId++;
    for (const spec of this.stages.specs) {
      const engineName = `webstr_train_${id}/${spec.name}`;
      const trainable = spec.trainable && !frozenNames.has(spec.name);
      const v = tf.variable(params.get(spec.name)!, trainable, engineName);
      this.variables[spec.name] = v;
      if (trainable) this.trainable[spec.name] = v;
      this.byEngineName.set(engineName, spec.name);
    }
  }

  /** The variables as a Params map (live: valid until dispose). */
  params(): Params {
    return new Map(Object.entries(this.variables));
  }

  /**
   * One differentiable forward: x [B, H, W, C] → logits → `loss(logits)`; returns the loss, the gradients
   * of the trainable parameters and the BatchNorm batch statistics (all owned by the caller).
   */
  lossAndGrads(x: Tensor, options: TrainForwardOptions, loss: (logits: Tensor) => tf.Scalar): TrainStepResult {
    if (this.disposed) throw new InvalidArgumentError('TrainableModel: used after dispose()');
    const mode: TrainMode = { batchNorm: options.batchNorm, bnStats: [], teacher: options.teacher ?? null };
    // A frozen stage runs on its running statistics; its batch statistics are never recorded.
    const frozenMode: TrainMode = { batchNorm: 'running', bnStats: [], teacher: mode.teacher };
    const modeOf = (s: StageName): TrainMode => (this.frozen.has(s) ? frozenMode : mode);
    const compiled: CompiledStage[] = [];
    try {
      const { value, grads } = tf.variableGrads(() => {
        const s = this.stages;
        const transform = s.transform?.compile(this.params(), modeOf('transform')) ?? null;
        if (transform !== null) compiled.push(transform);
        const rest = [s.backbone.compile(this.params(), modeOf('backbone')), s.sequence.compile(this.params(), modeOf('sequence')), s.head.compile(this.params(), modeOf('head'))] as [
          CompiledStage,
          CompiledStage,
          CompiledStage,
        ];
        compiled.push(...rest);
        const { logits, rectified } = forwardStages(this.config.name, transform, rest, x);
        rectified?.dispose();
        return loss(logits);
      }, Object.values(this.trainable));
      const byName: Record<string, Tensor> = {};
      for (const [engineName, g] of Object.entries(grads)) byName[this.byEngineName.get(engineName) ?? engineName] = g;
      return { loss: value, grads: byName, bnStats: mode.bnStats };
    } catch (e) {
      for (const st of mode.bnStats) tf.dispose([st.batchMean, st.batchVar]);
      throw e;
    } finally {
      for (const c of compiled) c.dispose();
    }
  }

  /** running ← (1 − w)·running + w·batch for every recorded BatchNorm; disposes the statistics. */
  updateRunningStats(stats: BnBatchStats[], momentum: BnMomentum = bnMomentum(this.config)): void {
    const w = momentum.batchWeight;
    for (const st of stats) {
      tf.tidy(() => {
        const m = this.variables[st.mean];
        const v = this.variables[st.variance];
        if (m === undefined || v === undefined) throw new InvalidArgumentError(`updateRunningStats: unknown statistics ${st.mean} / ${st.variance}`);
        const bv = momentum.unbiased && st.count > 1 ? tf.mul(st.batchVar, st.count / (st.count - 1)) : st.batchVar;
        m.assign(tf.add(tf.mul(m, 1 - w), tf.mul(st.batchMean, w)));
        v.assign(tf.add(tf.mul(v, 1 - w), tf.mul(bv, w)));
      });
      tf.dispose([st.batchMean, st.batchVar]);
    }
  }

  /** An inference model over the current values (BatchNorm folded); the caller disposes it. */
  compileForInference(): CompiledModel {
    return new CompiledModel(this.config, this.params(), this.numClasses);
  }

  /** Copies every parameter to the host. */
  toHost(): Promise<HostTensors> {
    return toHost(this.variables);
  }

  /** Overwrites parameters from host data (shapes checked). */
  setFromHost(values: Record<string, { shape: number[]; data: Float32Array }>): void {
    const problems: string[] = [];
    for (const [name, v] of Object.entries(this.variables)) {
      const h = values[name];
      if (h === undefined) problems.push(`missing ${name}`);
      else if (h.shape.join(',') !== v.shape.join(',') || h.data.length !== v.size) problems.push(`${name}: shape [${h.shape.join(',')}] ≠ [${v.shape.join(',')}]`);
    }
    if (problems.length > 0) throw new InvalidArgumentError(`TrainableModel.setFromHost: ${problems.join('; ')}`);
    for (const [name, v] of Object.entries(this.variables)) {
      const h = values[name]!;
      tf.tidy(() => v.assign(tf.tensor(h.data, h.shape, 'float32')));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of Object.values(this.variables)) v.dispose();
  }
}
