/** The run's inputs from its recipe (train_setup.ts) in Node, over the committed tiny LMDB fixture. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import { getPreset } from '../models/presets.ts';
import { buildStages } from '../models/model.ts';
import { initParams } from '../models/params.ts';
import { getCharset } from '../text/charset.ts';
import { hostWeights } from '../recognize/recognizer.ts';
import { decodeNode } from '../image/decode_node.ts';
import { DEFAULT_LIMITS } from '../image/errors.ts';
import { openDatasetPath } from '../data/node_shards.ts';
import { createNodeSynth } from '../synth/node.ts';
import { encodePng } from '../synth/node_shards.ts';
import { DatasetSource, MixSource } from '../train/sources.ts';
import { SYNTH_VALIDATION } from '../train/recipe.ts';
import { labelEncoder } from '../train/losses.ts';
import { tinyRecipe } from '../train/tiny.ts';
import type { HostTensors, TrainRecipe } from '../train/types.ts';
import type { ModelConfig } from '../models/config.ts';
import { prepareTraining, type TrainPlatform } from './train_setup.ts';

const TINY_MDB = path.join(path.dirname(fileURLToPath(import.meta.url)), '../data/fixtures/tiny.mdb');

const platform: TrainPlatform = {
  openDataset: (p) => openDatasetPath(p),
  synth: (o) => Promise.resolve(createNodeSynth(o)),
  decode: (b) => decodeNode(b, DEFAULT_LIMITS),
  encodePng: (img) => Promise.resolve(encodePng(img)),
};

const recipe = (over: Partial<TrainRecipe>): TrainRecipe => ({ ...tinyRecipe(4), preset: 'crnn-vgg', datasets: [TINY_MDB], syntheticRatio: 0, ...over });

async function randomParams(config: ModelConfig): Promise<HostTensors> {
  const charset = getCharset(config.charset);
  const params = initParams(buildStages(config, labelEncoder(config, charset).numClasses).specs, 1);
  const w = await hostWeights(config, charset, params);
  tf.dispose([...params.values()]);
  return w.tensors;
}

describe('prepareTraining', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    registerAllKernels();
    await tf.setBackend('wasm');
  });

  it('datasets keep the labels the model can learn: its charset and its head’s longest label', async () => {
    const config = getPreset('crnn-vgg');
    const charset = getCharset(config.charset);
    const s = await prepareTraining(recipe({}), { config, charset }, platform);
    // 40 samples: 16 have characters outside alnum36 or are 31 long; 24 stay.
    expect(s.source).toBeInstanceOf(DatasetSource);
    expect((s.source as DatasetSource).size).toBe(24);
    expect(s.validate).toBeUndefined();
    await s.close();
    const attention = getPreset('rare-dtrb');
    if (attention.head.kind === 'attention') attention.head.steps = 6;
    const a = await prepareTraining(recipe({ preset: 'rare-dtrb' }), { config: attention, charset: getCharset(attention.charset) }, platform);
    expect((a.source as DatasetSource).size).toBe(6);
    expect((await a.source.next(6)).every((x) => [...x.label].length <= 5)).toBe(true);
    await a.close();
  });

  it('mixes synthetic words into the datasets by the ratio', async () => {
    const config = getPreset('crnn-vgg');
    const s = await prepareTraining(recipe({ syntheticRatio: 0.5 }), { config, charset: getCharset(config.charset) }, platform);
    expect(s.source).toBeInstanceOf(MixSource);
    const batch = await s.source.next(4);
    expect(batch.filter((x) => !(x.image instanceof Uint8Array))).toHaveLength(2);
    await s.close();
  });

  it('validates on a dataset and on held-out synthetic words, as the evaluation core scores them', async () => {
    const config = getPreset('crnn-tiny');
    const charset = getCharset(config.charset);
    const params = await randomParams(config);
    const d = await prepareTraining(recipe({ preset: 'crnn-tiny', validation: { dataset: TINY_MDB, limit: 5 } }), { config, charset }, platform, { validationName: 'tiny fixture' });
    const v = await d.validate!(params);
    expect(v).toMatchObject({ dataset: 'tiny fixture', samples: 5 });
    expect(v.accuracy).toBeGreaterThanOrEqual(0);
    await d.close();
    const h = await prepareTraining(recipe({ preset: 'crnn-tiny', datasets: [], syntheticRatio: 1, validation: { dataset: SYNTH_VALIDATION, limit: 7 } }), { config, charset }, platform);
    const first = await h.validate!(params);
    expect(first).toMatchObject({ dataset: 'held-out synthetic words', samples: 7 });
    // The held-out words are made once: the same weights score the same.
    expect(await h.validate!(params)).toEqual(first);
    await h.close();
  });
});
