/**
 * The RARE/TRBA/SPIN/CRNN oracle fixtures (scripts/fixtures/rare_models.py → src/models/fixtures/):
 * a preset narrowed as the fixture says, its `.pth` through the real reader + importer, and a run on the
 * active backend compared to PyTorch. Shared by the unit test (cpu, wasm) and
 * scripts/models_node_gpu.ts (webgpu through Dawn).
 */
import { readFileSync } from 'node:fs';
import { tf } from '../runtime/tf.ts';
import type { ModelConfig } from '../models/config.ts';
import { CompiledModel } from '../models/model.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { codecFor } from '../text/attention.ts';
import { readStateDict, type PthTensor } from '../weights/pth/index.ts';
import { importTorchStateDict } from '../weights/torch_import.ts';

interface Arr {
  shape: number[];
  data: number[];
}

export interface ModelFixture {
  preset: string;
  variant: {
    out: number;
    hidden: number;
    linear: number;
    linear2?: number;
    attn_hidden?: number;
    tps_channels?: [number, number, number, number];
    tps_fc?: number;
    spin_channels?: [number, number, number, number, number, number];
    spin_fc?: number;
    offset_channels?: number;
    /** MobileNetV3 channels (stem, expand, out, last) divided by this. */
    mv3_div?: number;
  };
  pth: string;
  input: Arr;
  logits: Arr;
  rectified: Arr | null;
  strings: string[];
}

export const FIXTURE_PRESETS = ['crnn-vgg', 'rare-dtrb', 'trba-dtrb', 'spin-r32', 'rare-mv3'];

const DIR = new URL('../models/fixtures/', import.meta.url);

export function modelFixture(name: string): ModelFixture {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as ModelFixture;
}

export async function fixtureStateDict(f: ModelFixture): Promise<Map<string, PthTensor>> {
  return readStateDict(new Uint8Array(readFileSync(new URL(f.pth, DIR))));
}

/** The preset narrowed as the fixture was (widths only: the structure is the preset's). */
export function narrowed(f: ModelFixture): ModelConfig {
  const c = getPreset(f.preset);
  const v = f.variant;
  const bb = c.backbone;
  if (bb.kind === 'mobilenetv3') {
    const d = v.mv3_div ?? 1;
    bb.stem.out /= d;
    bb.lastChannels /= d;
    bb.blocks = bb.blocks.map((b) => ({ ...b, expand: b.expand / d, out: b.out / d }));
  } else if (bb.kind !== 'pplcnetv3') {
    bb.outChannels = v.out;
  }
  if (c.sequence.kind === 'bilstm') {
    c.sequence.layers = c.sequence.layers.map((l, i) =>
      l.linear === undefined ? { hidden: v.hidden } : { hidden: v.hidden, linear: i === 1 ? (v.linear2 ?? v.linear) : v.linear },
    );
  }
  if (c.head.kind === 'attention' && v.attn_hidden !== undefined) c.head.hidden = v.attn_hidden;
  if (c.transform.kind === 'tps' && v.tps_channels !== undefined && v.tps_fc !== undefined) {
    c.transform.locChannels = v.tps_channels;
    c.transform.locFc = v.tps_fc;
  }
  if (c.transform.kind === 'gaspin' && v.spin_channels !== undefined && v.spin_fc !== undefined && v.offset_channels !== undefined) {
    c.transform.channels = v.spin_channels;
    c.transform.fc = v.spin_fc;
    c.transform.offsetChannels = v.offset_channels;
  }
  return c;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export interface FixtureResult {
  preset: string;
  backend: string;
  logitsShape: number[];
  dLogits: number;
  dRectified: number;
  strings: string[];
  expected: string[];
}

/** Imports the fixture's `.pth` and runs it on the active backend. */
export async function runModelFixture(name: string): Promise<FixtureResult> {
  const f = modelFixture(name);
  const config = narrowed(f);
  const params = importTorchStateDict(await fixtureStateDict(f), config);
  const model = new CompiledModel(config, params);
  tf.dispose([...params.values()]);
  const x = tf.tensor(f.input.data, f.input.shape);
  const { logits, rectified } = model.forward(x);
  try {
    const dLogits = maxAbsDiff(await logits.data(), f.logits.data);
    const dRectified = f.rectified === null || rectified === null ? 0 : maxAbsDiff(await rectified.data(), f.rectified.data);
    const probs = tf.softmax(logits);
    const p = (await probs.data()) as Float32Array;
    probs.dispose();
    const [b, steps, classes] = logits.shape as [number, number, number];
    const codec = codecFor(config.head, getCharset(config.charset));
    const strings = Array.from({ length: b }, (_, k) => codec.decodeGreedy(p.subarray(k * steps * classes, (k + 1) * steps * classes), steps).text);
    return { preset: name, backend: tf.getBackend(), logitsShape: logits.shape, dLogits, dRectified, strings, expected: f.strings };
  } finally {
    tf.dispose([x, logits, ...(rectified ? [rectified] : [])]);
    model.dispose();
  }
}
