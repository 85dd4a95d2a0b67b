/**
 * One training-throughput measurement, shared by `npm run perf -- train` in Node and the train harness
 * worker in Chromium (scripts/harness/train_worker.ts): a full-size preset at 32×100, random inputs and
 * 5-letter labels, BatchNorm in train mode, Adam; one step = forward, loss, backward, Adam, BatchNorm
 * statistics, ending with the loss read back. Runs on whatever tfjs backend is active; imports only
 * src/ modules, so it bundles for a worker.
 */
import { tf, type Tensor } from '../../src/runtime/tf.ts';
import type { ModelConfig } from '../../src/models/config.ts';
import { getPreset } from '../../src/models/presets.ts';
import { buildStages } from '../../src/models/model.ts';
import { initParams } from '../../src/models/params.ts';
import { TrainableModel } from '../../src/models/training.ts';
import { getCharset } from '../../src/text/charset.ts';
import { labelEncoder, lossFor } from '../../src/train/losses.ts';
import { makeOptimizer } from '../../src/train/optim/index.ts';

export interface Throughput {
  /** Mean over the timed steps (the warm-up step excluded). */
  msPerStep: number;
  samplesPerSec: number;
  /** The one warm-up step before them (kernel and pipeline compilation, buffer pools). */
  warmupMs: number;
  /** Most bytes held by live tensors during one more step (tf.profile; parameters and optimizer state
   *  included), when asked for. */
  peakBytes?: number;
}

/** `steps` timed steps of `preset` at `batch`, after one warm-up step (and, with `peak`, one profiled step
 *  after them); everything it makes is disposed. */
export async function throughput(preset: string, batch: number, steps: number, options: { peak?: boolean } = {}): Promise<Throughput> {
  const config = getPreset(preset);
  const c = config.input.channels === 'gray' ? 1 : 3;
  const x = tf.randomUniform([batch, 32, 100, c], -1, 1, 'float32', 2);
  const { step, dispose } = trainStep(config, x);
  try {
    const w0 = performance.now();
    await step(); // warm-up
    const warmupMs = performance.now() - w0;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const ms = (performance.now() - t0) / steps;
    const peak = options.peak === true ? { peakBytes: (await tf.profile(step)).peakBytes } : {};
    return { msPerStep: ms, samplesPerSec: (1000 * batch) / ms, warmupMs, ...peak };
  } finally {
    dispose();
    x.dispose();
  }
}

/**
 * One training step of a freshly initialised `config` (seed 1) on the fixed batch `x`, labelled with
 * `words` in turn, as described above; `dispose` frees the model and optimizer (not `x`). Also used by
 * the kernel profile (scripts/perf/profile.ts) and the zoo's planning (scripts/zoo/plan.ts).
 */
export function trainStep(config: ModelConfig, x: Tensor, words: readonly string[] = ['hello', 'world', 'texts']): { step: () => Promise<void>; dispose: () => void } {
  const params = initParams(buildStages(config).specs, 1);
  const model = new TrainableModel(config, params);
  tf.dispose([...params.values()]);
  const opt = makeOptimizer('adam', model.trainable, { lr: 1e-4 });
  const enc = labelEncoder(config, getCharset(config.charset)).encode(Array.from({ length: x.shape[0] }, (_, i) => words[i % words.length]!));
  const step = async (): Promise<void> => {
    const l = lossFor(config, enc);
    const r = model.lossAndGrads(x, { batchNorm: 'batch', teacher: l.teacher }, l.loss);
    opt.step(r.grads)?.dispose();
    model.updateRunningStats(r.bnStats);
    await r.loss.data();
    tf.dispose([r.loss, ...Object.values(r.grads)]);
    l.dispose();
  };
  return {
    step,
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
  };
}
