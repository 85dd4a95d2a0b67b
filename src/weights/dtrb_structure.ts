/**
 * A deep-text-recognition-benchmark checkpoint's model, read from its state_dict alone: DTRB's four
 * stage choices (Trans None|TPS, Feat VGG|RCNN|ResNet, Seq None|BiLSTM, Pred CTC|Attn) leave distinct
 * parameter names, and the widths (`--output_channel`, `--hidden_size`, `--rgb`, the attention cell, the
 * character set through the class count) are tensor shapes. Every combination webstr's stages build
 * (all but RCNN) becomes a ModelConfig; a file that fits none gets one short error naming why.
 */
import { WebstrError } from '../runtime/errors.ts';
import type { AttentionHeadConfig, BackboneConfig, BiLstmConfig, CtcHeadConfig, ModelConfig, TransformConfig } from '../models/config.ts';
import { buildStages } from '../models/model.ts';
import { sourceShape } from '../models/params.ts';
import { PRESETS, type PresetName } from '../models/presets.ts';
import { isTorchBuffer } from './torch_import.ts';

/** Shapes by parameter name: a read state_dict (`Map<string, PthTensor>`) fits. */
export type ShapeMap = ReadonlyMap<string, { shape: readonly number[]; dtype?: string }>;

/** The checkpoint is not a model webstr can build: says the first thing that does not fit. */
export class CheckpointStructureError extends WebstrError {
  override name = 'CheckpointStructureError';
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: not a model webstr can build: ${reason}`);
  }
}

/** Why a parameter map does not fit `config`, in one line (the first difference), or null when it fits. */
export function firstMismatch(sd: ShapeMap, config: ModelConfig): string | null {
  let specs;
  try {
    ({ specs } = buildStages(config));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  for (const s of specs) {
    const t = sd.get(s.name);
    const expected = sourceShape(s.shape, s.torchLayout);
    if (t === undefined) return `${s.name} is missing`;
    if (t.dtype !== undefined && t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'bfloat16' && t.dtype !== 'float64') return `${s.name} is ${t.dtype}, not a float tensor`;
    if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) return `${s.name} expected [${expected.join(',')}] got [${t.shape.join(',')}]`;
  }
  const known = new Set(specs.map((s) => s.name));
  for (const k of sd.keys()) if (!known.has(k) && !isTorchBuffer(k)) return `${k} is not a parameter of '${config.name}'`;
  return null;
}

/** The presets whose parameters the map fits exactly (what an import form offers for this file). */
export function fittingPresets(sd: ShapeMap): PresetName[] {
  return (Object.keys(PRESETS) as PresetName[]).filter((p) => firstMismatch(sd, structuredClone(PRESETS[p]) as ModelConfig) === null);
}

const TPS = 'Transformation.LocalizationNetwork';
const FEAT = 'FeatureExtraction.ConvNet';

/** DTRB's name for the combination, e.g. `TPS-VGG-BiLSTM-Attn`. */
export function dtrbArchName(config: ModelConfig): string {
  const t = config.transform.kind === 'tps' ? 'TPS' : config.transform.kind === 'none' ? 'None' : config.transform.kind;
  const f = config.backbone.kind === 'vgg' ? 'VGG' : config.backbone.kind === 'resnet32' ? 'ResNet' : config.backbone.kind;
  const s = config.sequence.kind === 'svtr' ? 'SVTR' : config.sequence.layers.length === 0 ? 'None' : 'BiLSTM';
  const p = config.head.kind === 'ctc' ? 'CTC' : 'Attn';
  return `${t}-${f}-${s}-${p}`;
}

/** JSON with object keys sorted: equal configs give equal text whatever order their keys were written in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  return canonical({ ...a, name: '' }) === canonical({ ...b, name: '' });
}

/**
 * The DTRB model a state_dict holds (names as DTRB writes them, `module.` already stripped). Named as the
 * preset it equals (DTRB's released `TPS-ResNet-BiLSTM-Attn` is `trba-dtrb`), else by DTRB's stage names.
 * Input: 32 high (the feature map must come out 1 high), 100 wide unless the TPS grid buffer says.
 * Throws CheckpointStructureError naming the first thing that does not fit.
 */
export function inferDtrbConfig(sd: ShapeMap, source = 'checkpoint'): ModelConfig {
  const fail = (reason: string): never => {
    throw new CheckpointStructureError(source, reason);
  };
  const shape = (name: string): readonly number[] | undefined => sd.get(name)?.shape;
  const need = (name: string, rank: number): readonly number[] => {
    const s = shape(name);
    if (s === undefined) return fail(`${name} is missing`);
    if (s.length !== rank) return fail(`${name} has rank ${s.length}, expected ${rank}`);
    return s;
  };
  const keys = [...sd.keys()];
  const has = (prefix: string): boolean => keys.some((k) => k.startsWith(prefix));
  if (!has('FeatureExtraction.') || !has('Prediction.')) {
    return fail(`no DTRB FeatureExtraction.* and Prediction.* parameters (first key: ${keys[0] ?? 'none'})`);
  }

  // Transformation: DTRB's TPS (F = 20 fiducials), or none.
  let transform: TransformConfig = { kind: 'none' };
  let inChannels: number;
  let width = 100;
  if (has('Transformation.')) {
    const c = [0, 1, 2, 3].map((i) => need(`${TPS}.conv.${4 * i}.weight`, 4));
    const fc1 = need(`${TPS}.localization_fc1.0.weight`, 2);
    const fc2 = need(`${TPS}.localization_fc2.weight`, 2);
    if (fc2[0] !== 40) fail(`${TPS}.localization_fc2.weight has ${fc2[0]} outputs: webstr's TPS has 20 fiducials (40)`);
    inChannels = c[0]![1]!;
    transform = {
      kind: 'tps',
      inChannels,
      locChannels: c.map((s) => s[0]!) as [number, number, number, number],
      locFc: fc1[0]!,
      bnEps: 1e-5,
      naming: 'dtrb',
      alignCorners: true,
      padding: 'border',
    };
    // P_hat holds one row per output pixel: H·W with H = 32.
    const rows = shape('Transformation.GridGenerator.P_hat')?.[0];
    if (rows !== undefined && rows % 32 === 0 && rows > 0) width = rows / 32;
  } else inChannels = -1;

  // Feature extraction: VGG (`ConvNet.<index>`), ResNet (`ConvNet.conv0_1`…); RCNN's GRCL units are not built.
  let backbone: BackboneConfig;
  if (sd.has(`${FEAT}.conv0_1.weight`)) {
    const first = need(`${FEAT}.conv0_1.weight`, 4);
    const out = need(`${FEAT}.conv4_2.weight`, 4)[0]!;
    const layers = [1, 2, 3, 4].map((s) => {
      let n = 0;
      while (sd.has(`${FEAT}.layer${s}.${n}.conv1.weight`)) n++;
      return n;
    }) as [number, number, number, number];
    if (inChannels < 0) inChannels = first[1]!;
    backbone = { kind: 'resnet32', inChannels, outChannels: out, layers, bnEps: 1e-5 };
  } else if (sd.has(`${FEAT}.0.weight`)) {
    if (keys.some((k) => /^FeatureExtraction\.ConvNet\.\d+\.(wgf_u|wgr_x|wf_u|wr_x|GRCL)/.test(k))) {
      return fail('its feature extractor is DTRB RCNN (GRCL units), which webstr does not build (VGG and ResNet only)');
    }
    const first = need(`${FEAT}.0.weight`, 4);
    const out = need(`${FEAT}.18.weight`, 4)[0]!;
    if (inChannels < 0) inChannels = first[1]!;
    backbone = { kind: 'vgg', inChannels, outChannels: out, bnEps: 1e-5 };
  } else {
    return fail(`no DTRB VGG (${FEAT}.0.weight) or ResNet (${FEAT}.conv0_1.weight) feature extractor`);
  }
  if (inChannels !== 1 && inChannels !== 3) fail(`the first convolution takes ${inChannels} channels: DTRB reads 1 (grey) or 3 (--rgb)`);

  // Sequence modelling: BidirectionalLSTM blocks (LSTM + Linear each), or none.
  const layers: BiLstmConfig['layers'] = [];
  for (let i = 0; sd.has(`SequenceModeling.${i}.rnn.weight_hh_l0`); i++) {
    const hidden = need(`SequenceModeling.${i}.rnn.weight_hh_l0`, 2)[1]!;
    const linear = need(`SequenceModeling.${i}.linear.weight`, 2)[0]!;
    layers.push({ hidden, linear });
  }
  if (layers.length === 0 && has('SequenceModeling.')) fail(`SequenceModeling.* holds no DTRB BidirectionalLSTM (SequenceModeling.0.rnn.weight_hh_l0)`);

  // Prediction: CTC (one Linear) or DTRB's Attention (its AttentionCell's rnn is an LSTMCell; a GRUCell fits too).
  let head: CtcHeadConfig | AttentionHeadConfig;
  let classes: number;
  if (sd.has('Prediction.weight')) {
    classes = need('Prediction.weight', 2)[0]!;
    head = { kind: 'ctc', naming: 'dtrb' };
  } else if (sd.has('Prediction.attention_cell.rnn.weight_hh')) {
    const [gates, hidden] = need('Prediction.attention_cell.rnn.weight_hh', 2) as [number, number];
    const cell = gates === 4 * hidden ? 'lstm' : gates === 3 * hidden ? 'gru' : fail(`Prediction.attention_cell.rnn.weight_hh is [${gates},${hidden}]: neither an LSTM (4·H) nor a GRU (3·H) cell`);
    classes = need('Prediction.generator.weight', 2)[0]!;
    head = { kind: 'attention', cell, hidden, steps: 26, naming: 'dtrb', labels: 'go-eos' };
  } else {
    return fail('no DTRB CTC (Prediction.weight) or attention (Prediction.attention_cell.*) prediction');
  }
  const symbols = classes - (head.kind === 'ctc' ? 1 : 2);
  const charset = symbols === 36 ? 'alnum36' : symbols === 94 ? 'dtrb_printable94' : fail(`${classes} classes: ${symbols} characters is neither DTRB's default 36 nor its --sensitive 94`);

  const config: ModelConfig = {
    name: '',
    charset,
    input: { channels: inChannels === 1 ? 'gray' : 'rgb', height: 32, resize: { mode: 'stretch', width }, mean: 0.5, std: 0.5 },
    transform,
    backbone,
    sequence: { kind: 'bilstm', layers, naming: 'dtrb' },
    head,
  };
  config.name = (Object.keys(PRESETS) as PresetName[]).find((p) => sameConfig(structuredClone(PRESETS[p]) as ModelConfig, config)) ?? dtrbArchName(config);
  const mismatch = firstMismatch(sd, config);
  if (mismatch !== null) fail(`read as ${dtrbArchName(config)}, but ${mismatch}`);
  return config;
}
