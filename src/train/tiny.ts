/**
 * The tiny end-to-end run (issue 9, the shape of PaddleOCR's lite_train_lite_infer): crnn-vgg narrowed
 * (VGG 64 channels, one BiLSTM 64 layer) trained from scratch with Adadelta (lr 1, as DTRB) on synthetic words of a 20-word vocabulary
 * (`tinySynthOptions`, 100×32), scored by greedy decoding on held-out synthetic words. Shared by
 * `tiny_run.test.ts` and `scripts/train_tiny.ts`.
 */
import { getPreset } from '../models/presets.ts';
import type { ModelConfig } from '../models/config.ts';
import type { TrainRecipe } from './types.ts';

export const TINY_STEPS = 500;
export const TINY_BATCH = 32;
/** % of held-out words exactly right. */
export const TINY_BAR = 50;

/** The `crnn-tiny` preset (one BiLSTM layer: with two (48) and Adam the run stayed on the CTC blank
 *  plateau for > 400 steps). */
export function tinyRunConfig(): ModelConfig {
  return getPreset('crnn-tiny');
}

export function tinyRecipe(steps: number, batchSize = TINY_BATCH): TrainRecipe {
  return {
    preset: 'crnn-tiny',
    init: null,
    datasets: [],
    syntheticRatio: 1,
    validation: null,
    steps,
    batchSize,
    // Adadelta lr 1 as DTRB, with PyTorch's default ρ 0.9, ε 1e-6: DTRB's ρ 0.95, ε 1e-8 takes ~10× smaller
    // first steps (δ ∝ √ε) and was still at 5% held-out after 350 steps (43% at 300 with these).
    optimizer: { kind: 'adadelta', lr: 1, rho: 0.9, eps: 1e-6 },
    schedule: { kind: 'constant' },
    clipNorm: 5,
    batchNorm: 'train',
    augment: false,
    evalEvery: 0,
    checkpointEvery: 0,
    seed: 5,
  };
}
