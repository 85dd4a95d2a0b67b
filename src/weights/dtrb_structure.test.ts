/**
 * DTRB checkpoints imported with the structure read from the file. The real ones
 * (scripts/fixtures/dtrb_real.py: DTRB's own model code, TPS-VGG-BiLSTM-Attn and None-VGG-BiLSTM-CTC fitted
 * to 12 crops of iiit5k_train_2000, saved as DTRB's train.py saves) must give PyTorch's predictions exactly
 * and its logits within 1e-4 (3e-4 with TPS) on cpu and wasm; every Trans × Feat × Seq × Pred combination the stages
 * build round-trips through its parameter shapes; what fits nothing gets one short line.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../runtime/tf.ts';
import { registerAllKernels } from '../ops/registry.ts';
import type { ModelConfig } from '../models/config.ts';
import { CompiledModel, WeightsMismatchError, buildStages } from '../models/model.ts';
import { sourceShape } from '../models/params.ts';
import { getPreset } from '../models/presets.ts';
import { getCharset } from '../text/charset.ts';
import { codecFor } from '../text/attention.ts';
import { readStateDict } from './pth/index.ts';
import { importTorchStateDict } from './torch_import.ts';
import { CheckpointStructureError, dtrbArchName, fittingPresets, firstMismatch, inferDtrbConfig, type ShapeMap } from './dtrb_structure.ts';
import { weightsFromPth } from '../recognize/load.ts';
import { Recognizer, hostWeights } from '../recognize/recognizer.ts';
import { decodeNode } from '../image/decode_node.ts';

interface RealFixture {
  arch: string;
  pth: string;
  crops: { index: number; label: string; image: string }[];
  pixels: { shape: [number, number, number]; base64: string };
  logits: { shape: [number, number, number]; data: number[] };
  predictions: string[];
}

const DIR = new URL('../models/fixtures/', import.meta.url);
const REAL = ['dtrb_tps_vgg_bilstm_attn', 'dtrb_none_vgg_bilstm_ctc'];
const fixture = (stem: string): RealFixture => JSON.parse(readFileSync(new URL(`${stem}.json`, DIR), 'utf8')) as RealFixture;
const pthBytes = (f: RealFixture | string): Uint8Array => new Uint8Array(readFileSync(new URL(typeof f === 'string' ? f : f.pth, DIR)));

/** The parameter shapes a checkpoint of `config` holds (PyTorch layouts), as a state_dict's map. */
function shapesOf(config: ModelConfig): Map<string, { shape: number[] }> {
  return new Map(buildStages(config).specs.map((s) => [s.name, { shape: sourceShape(s.shape, s.torchLayout) }]));
}

beforeAll(() => registerAllKernels());

describe.each(['cpu', 'wasm'])('real DTRB checkpoints, structure read from the file (%s)', (backend) => {
  // The CTC model matches to ~1e-5. The TPS + attention one to ~1.3e-4, which is float32 noise of that
  // model: PyTorch's own float32 logits differ from its float64 run by 1.06e-4 (measured on this fixture;
  // TPS grid ulps through a fitted localisation net, then 26 fed-back steps). Strings: exact.
  it.each(REAL)('%s: PyTorch predictions exactly, logits within 1e-4 (TPS: 3e-4)', async (stem) => {
    await tf.setBackend(backend);
    const f = fixture(stem);
    const sd = await readStateDict(pthBytes(f));
    const config = inferDtrbConfig(sd, f.pth);
    expect(config.name).toBe(f.arch);
    const model = new CompiledModel(config, importTorchStateDict(sd, config));
    // The exact grey pixels PyTorch read (PIL bicubic 100×32), normalised as ToTensor + (x − 0.5)/0.5 in float32.
    const px = Buffer.from(f.pixels.base64, 'base64');
    const [b, h, w] = f.pixels.shape;
    const x = tf.tensor(Float32Array.from(px, (v) => (Math.fround(v / 255) - 0.5) / 0.5), [b, h, w, 1]);
    const { logits } = model.forward(x);
    const got = (await logits.data()) as Float32Array;
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i]! - f.logits.data[i]!));
    const probs = tf.softmax(logits);
    const p = (await probs.data()) as Float32Array;
    const [, steps, classes] = logits.shape as [number, number, number];
    const codec = codecFor(config.head, getCharset(config.charset));
    const texts = Array.from({ length: b }, (_, k) => codec.decodeGreedy(p.subarray(k * steps * classes, (k + 1) * steps * classes), steps).text);
    console.log(`${stem} ${backend}: logits max|Δ| ${d.toExponential(2)}; ${JSON.stringify(texts)}`);
    tf.dispose([x, logits, probs]);
    model.dispose();
    expect(logits.shape).toEqual(f.logits.shape);
    expect(d).toBeLessThanOrEqual(config.transform.kind === 'tps' ? 3e-4 : 1e-4);
    expect(texts).toEqual(f.predictions);
  });
});

describe('real DTRB checkpoints through the recognizer (webstr decode + resize)', () => {
  it.each(REAL)('%s: the crops read as PyTorch read them', async (stem) => {
    await tf.setBackend('wasm');
    const f = fixture(stem);
    const w = await weightsFromPth(pthBytes(f), undefined, f.pth, 'test');
    expect(w.meta.preset).toBe(f.arch);
    const rec = Recognizer.create(await hostWeights(w.meta.config, w.meta.charset, w.params), { decoder: decodeNode });
    tf.dispose([...w.params.values()]);
    const out = await rec.recognizeBatch(f.crops.map((c) => new Uint8Array(Buffer.from(c.image, 'base64'))));
    rec.dispose();
    const texts = out.map((o) => (o.ok ? o.text : `${o.error.name}`));
    const same = texts.filter((t, i) => t === f.predictions[i]).length;
    console.log(`${stem} recognizer: ${same}/${texts.length} as PyTorch; ${JSON.stringify(texts)}`);
    // webstr resizes bilinearly from RGB→grey floats, PyTorch bicubically from PIL's 8-bit grey: inputs differ
    // by a few grey levels, so this end-to-end check allows one crop to differ.
    expect(same).toBeGreaterThanOrEqual(texts.length - 1);
  });
});

describe('inferDtrbConfig', () => {
  const TRANS = ['None', 'TPS'] as const;
  const FEAT = ['VGG', 'ResNet'] as const;
  const SEQ = ['None', 'BiLSTM'] as const;
  const PRED = ['CTC', 'Attn'] as const;
  const combos = TRANS.flatMap((t) => FEAT.flatMap((f) => SEQ.flatMap((s) => PRED.map((p) => [t, f, s, p] as const))));

  /** DTRB's model for a combination at its default sizes (attention cell: DTRB's LSTMCell). */
  function dtrbConfig([t, f, s, p]: readonly [string, string, string, string]): ModelConfig {
    const base = getPreset(f === 'VGG' ? 'rare-dtrb' : 'trba-dtrb');
    return {
      ...base,
      name: `${t}-${f}-${s}-${p}`,
      transform: t === 'TPS' ? base.transform : { kind: 'none' },
      sequence: s === 'BiLSTM' || base.sequence.kind !== 'bilstm' ? base.sequence : { ...base.sequence, layers: [] },
      head: p === 'CTC' ? { kind: 'ctc', naming: 'dtrb' } : { kind: 'attention', cell: 'lstm', hidden: 256, steps: 26, naming: 'dtrb', labels: 'go-eos' },
    };
  }

  it.each(combos)('%s-%s-%s-%s: built back from its parameter shapes', (...combo) => {
    const config = dtrbConfig(combo);
    const got = inferDtrbConfig(shapesOf(config));
    // Two combinations are presets (DTRB's None-VGG-BiLSTM-CTC and TPS-ResNet-BiLSTM-Attn).
    const preset = { 'None-VGG-BiLSTM-CTC': 'crnn-vgg', 'TPS-ResNet-BiLSTM-Attn': 'trba-dtrb' }[config.name];
    expect(got).toEqual({ ...config, name: preset ?? config.name });
    expect(dtrbArchName(got)).toBe(config.name);
  });

  it("DTRB's own TPS-VGG-BiLSTM-Attn (LSTM cell) is not rare-dtrb (GRU), and says so in one line", () => {
    const sd = shapesOf(dtrbConfig(['TPS', 'VGG', 'BiLSTM', 'Attn']));
    expect(inferDtrbConfig(sd).head).toMatchObject({ kind: 'attention', cell: 'lstm', hidden: 256 });
    expect(firstMismatch(sd, getPreset('rare-dtrb'))).toBe('Prediction.attention_cell.rnn.weight_ih expected [768,294] got [1024,294]');
    expect(fittingPresets(sd)).toEqual([]);
    expect(inferDtrbConfig(shapesOf(getPreset('rare-dtrb'))).name).toBe('rare-dtrb');
    expect(fittingPresets(shapesOf(getPreset('crnn-vgg')))).toEqual(['crnn-vgg']);
  });

  it('reads widths, grey/RGB, the case-sensitive charset and the TPS output width', () => {
    const rgb: ModelConfig = {
      ...dtrbConfig(['TPS', 'ResNet', 'BiLSTM', 'Attn']),
      charset: 'dtrb_printable94',
      input: { channels: 'rgb', height: 32, resize: { mode: 'stretch', width: 100 }, mean: 0.5, std: 0.5 },
    };
    rgb.transform = { ...(rgb.transform as Extract<ModelConfig['transform'], { kind: 'tps' }>), inChannels: 3 };
    rgb.backbone = { kind: 'resnet32', inChannels: 3, outChannels: 256, layers: [1, 2, 5, 3], bnEps: 1e-5 };
    rgb.sequence = { kind: 'bilstm', layers: [{ hidden: 128, linear: 128 }, { hidden: 128, linear: 128 }], naming: 'dtrb' };
    rgb.head = { kind: 'attention', cell: 'lstm', hidden: 128, steps: 26, naming: 'dtrb', labels: 'go-eos' };
    const sd = shapesOf(rgb);
    expect(inferDtrbConfig(sd)).toEqual(rgb);
    sd.set('Transformation.GridGenerator.P_hat', { shape: [32 * 128, 23] });
    expect(inferDtrbConfig(sd).input.resize).toEqual({ mode: 'stretch', width: 128 });
  });

  it('what fits nothing is one short line naming the first difference', () => {
    const sd = shapesOf(dtrbConfig(['None', 'VGG', 'BiLSTM', 'CTC']));
    const rcnn = new Map(sd);
    rcnn.set('FeatureExtraction.ConvNet.3.wgf_u.weight', { shape: [64, 64, 1, 1] });
    expect(() => inferDtrbConfig(rcnn, 'rcnn.pth')).toThrow(/^rcnn\.pth: not a model webstr can build: its feature extractor is DTRB RCNN/);
    const noisy = new Map(sd);
    noisy.set('FeatureExtraction.ConvNet.extra.weight', { shape: [1] });
    noisy.delete('SequenceModeling.1.linear.bias');
    try {
      inferDtrbConfig(noisy, 'x.pth');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CheckpointStructureError);
      expect((err as Error).message).toBe("x.pth: not a model webstr can build: read as None-VGG-BiLSTM-CTC, but SequenceModeling.1.linear.bias is missing");
    }
    const classes = new Map(sd);
    classes.set('Prediction.weight', { shape: [40, 256] });
    classes.set('Prediction.bias', { shape: [40] });
    expect(() => inferDtrbConfig(classes)).toThrow(/40 classes: 39 characters is neither DTRB's default 36 nor its --sensitive 94/);
    expect(() => inferDtrbConfig(new Map([['head.fc.weight', { shape: [3, 3] }]]))).toThrow(/no DTRB FeatureExtraction\.\* and Prediction\.\* parameters/);
  });

  it('the narrow oracle fixtures: TRBA, CRNN and the GRU RARE read as DTRB combinations; GA-SPIN fits none', async () => {
    const read = async (name: string): Promise<ShapeMap> => readStateDict(pthBytes(`${name}.pth`));
    expect(dtrbArchName(inferDtrbConfig(await read('trba-dtrb')))).toBe('TPS-ResNet-BiLSTM-Attn');
    expect(inferDtrbConfig(await read('crnn-vgg')).name).toBe('None-VGG-BiLSTM-CTC');
    expect(inferDtrbConfig(await read('rare-dtrb')).head).toMatchObject({ kind: 'attention', cell: 'gru' });
    const spin = await read('spin-r32');
    expect(() => inferDtrbConfig(spin, 'spin-r32.pth')).toThrow(CheckpointStructureError);
  });

  it('an explicit preset that does not fit still lists every difference (WeightsMismatchError)', async () => {
    const f = fixture('dtrb_tps_vgg_bilstm_attn');
    await expect(weightsFromPth(pthBytes(f), 'rare-dtrb', f.pth, 'test')).rejects.toBeInstanceOf(WeightsMismatchError);
  });
});
