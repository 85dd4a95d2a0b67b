/**
 * The typed model config: one object composes the four stages (DTRB's Trans-Feat-Seq-Pred, PaddleOCR's
 * transforms/backbones/necks/heads), plus the input preprocessing and the charset. Presets (presets.ts)
 * are values of this type, never code.
 */

/** How pixels become the input tensor: defined by the image layer, named here as part of a model. */
export type { PreprocessConfig } from '../image/preprocess_config.ts';
import type { PreprocessConfig } from '../image/preprocess_config.ts';

export type Activation = 'relu' | 'hardswish';

/** One MobileNetV3 residual unit (PaddleOCR `ResidualUnit`): expand 1×1 → depthwise k×k → SE → project 1×1. */
export interface MobileNetV3Block {
  kernel: number;
  expand: number;
  out: number;
  se: boolean;
  act: Activation;
  /** [strideH, strideW]. */
  stride: [number, number];
  /** Residual add. Paddle 2.0's static-graph code adds only when the stride is the int 1 (not (1,1)) and
   *  in == out channels, so this is data, read off the exported graph. */
  shortcut: boolean;
}

export interface MobileNetV3Config {
  kind: 'mobilenetv3';
  inChannels: number;
  stem: { out: number; stride: [number, number]; act: Activation };
  blocks: MobileNetV3Block[];
  /** Final 1×1 conv-BN-act channels (PaddleOCR `conv_last`), followed by maxpool 2×2/2. */
  lastChannels: number;
  lastAct: Activation;
  /** SE squeeze ratio: mid = channels / seReduction. */
  seReduction: number;
  /** BN epsilon (Paddle: 1e-5). */
  bnEps: number;
}

export interface VggConfig {
  kind: 'vgg';
  inChannels: number;
  /** Output channels (DTRB `output_channel`, 512): the layers use /8, /4, /2, /1 of it (docs/models.md §5.1). */
  outChannels: number;
  bnEps: number;
}

/** The FAN ResNet of DTRB/SPIN (docs/models.md §7.5): basic blocks [1, 2, 5, 3], widths out/4, out/2, out, out. */
export interface ResNet32Config {
  kind: 'resnet32';
  inChannels: number;
  /** DTRB `output_channel` (512); conv0_1 has out/16 channels, conv0_2 out/8. */
  outChannels: number;
  /** Blocks per stage (FAN: [1, 2, 5, 3]). */
  layers: [number, number, number, number];
  bnEps: number;
}

/** One PPLCNetV3 unit as exported for inference (re-parameterised): depthwise k×k (+ bias) → affine →
 *  hardswish → affine, optional SE, then pointwise 1×1 (+ bias) → affine → hardswish → affine. */
export interface PpLcNetV3Block {
  kernel: number;
  out: number;
  /** [strideH, strideW] of the depthwise conv. */
  stride: [number, number];
  se: boolean;
}

/**
 * PPLCNetV3 as in PaddleOCR's PP-OCRv4 mobile recognizer, in its inference form: the MobileOne-style
 * branches are merged into one conv with bias, each followed by a learnable scalar affine (scale, bias),
 * hardswish and another scalar affine. Stem conv-BN (no activation); SE gate hardsigmoid(x/6 + 1/2);
 * ends with an average pool (kernel = stride = `pool`).
 */
export interface PpLcNetV3Config {
  kind: 'pplcnetv3';
  inChannels: number;
  stem: { out: number; stride: [number, number] };
  blocks: PpLcNetV3Block[];
  /** Average pool [kh, kw], stride the same. */
  pool: [number, number];
  seReduction: number;
  bnEps: number;
  /**
   * The export's auto-generated parameter names, as data (read off the graph): the stem conv and BN;
   * the block convs are `conv2d_{convStart + k}` for k = 0, 1, … (depthwise, pointwise per block);
   * conv k's affines are `mobile_one_block_{k}` (after the conv) and `whswish_b_{k + 1}` (after the
   * hardswish); the SE convs of the i-th SE block are `conv2d_{se[i][0]}` and `conv2d_{se[i][1]}`.
   */
  names: { stemConv: string; stemBn: string; convStart: number; se: [number, number][] };
  /**
   * PP-OCRv4's SVTR mixing neck run on the backbone's feature map as part of the visual encoder (the
   * `rare-svtr` preset: PP-OCRv4's whole encoder, frozen or trained with the backbone stage); absent = none.
   */
  neck?: SvtrNeckConfig;
}

export type BackboneConfig = MobileNetV3Config | VggConfig | ResNet32Config | PpLcNetV3Config;

/**
 * TPS transform (docs/models.md §4.5, §6.1): a localisation network predicts F fiducials C′, the TPS grid
 * maps the output pixel centres into the input, gridSample resamples. Output size = input size.
 */
export interface TpsConfig {
  kind: 'tps';
  inChannels: number;
  /** Conv channels of the four conv-BN-ReLU(-maxpool) layers (DTRB / PaddleOCR large: 64…512; PaddleOCR small: 16…128). */
  locChannels: [number, number, number, number];
  /** fc1 width (256 large, 64 small). */
  locFc: number;
  bnEps: number;
  /** Parameter names: DTRB `Transformation.LocalizationNetwork.conv.0.weight`, or PaddleOCR's
   *  `loc_conv0_weights`, `loc_fc1_w` (ParamAttr names of ppocr/modeling/transforms/tps.py). */
  naming: 'dtrb' | 'paddle';
  /** Sampler settings (docs/models.md §4.5 table). */
  alignCorners: boolean;
  padding: 'zeros' | 'border';
}

/**
 * GA-SPIN (docs/models.md §7.1–7.4; DAVAR `GA_SPIN_Transformer`, PaddleOCR `GA_SPIN`): one structure-localisation
 * network predicts the 2K+1 power weights, the AIN gate and the TPS fiducials; the AIN offset branch
 * reads its 128-channel feature; spinColor, then the TPS warp of the colour-transformed image.
 */
export interface GaSpinConfig {
  kind: 'gaspin';
  inChannels: number;
  /** Exponent pairs (default_type 6 → 13 exponents). */
  K: number;
  /** Conv channels: three `spt_convnet` blocks (32, 64, 128), then three in `stucture_fc1` (256, 256, 512). */
  channels: [number, number, number, number, number, number];
  /** `stucture_fc1`'s Linear width (256). */
  fc: number;
  /** AIN offset branch hidden channels (16). */
  offsetChannels: number;
  bnEps: number;
  alignCorners: boolean;
  padding: 'zeros' | 'border';
  /**
   * 2: the localisation network (and the AIN offset branch) reads the input average-pooled 2×2, a quarter of
   * its convolutions' work, with max-pools of 'same' padding so a 1-row map is not pooled away; the colour
   * transform and the TPS warp still act on the full-size input. Absent or 1: the paper's full-size input.
   */
  locDownscale?: 1 | 2;
}

export type TransformConfig = { kind: 'none' } | TpsConfig | GaSpinConfig;

/** A stack of bidirectional LSTM layers (docs/models.md §4.1, §4.2); optional Linear after each layer. */
export interface BiLstmConfig {
  kind: 'bilstm';
  layers: { hidden: number; linear?: number }[];
  /** Parameter-name convention: DTRB (`SequenceModeling.0.rnn.weight_ih_l0`) or Paddle (`lstm_cell_0.w_0`). */
  naming: 'dtrb' | 'paddle';
}

/**
 * PaddleOCR's SVTR neck (EncoderWithSVTR) over a feature map of height 1: conv 1×k → conv 1×1 (BN +
 * swish), transformer blocks (pre-LayerNorm, multi-head self-attention, MLP with swish), a final
 * LayerNorm, conv 1×1 back to the input width, concat with the neck's input, conv 1×k, conv 1×1.
 */
export interface SvtrNeckConfig {
  kind: 'svtr';
  /** Output features. */
  dims: number;
  /** Transformer width. */
  hiddenDims: number;
  depth: number;
  heads: number;
  /** MLP hidden width. */
  mlpHidden: number;
  /** Width of the 1×k convs (3). */
  kernel: number;
  bnEps: number;
  /** LayerNorm epsilon inside the blocks (1e-5) and of the final LayerNorm (1e-6). */
  lnEps: number;
  finalLnEps: number;
  /**
   * Paddle's auto-generated names as data: convs `conv2d_{conv + k}` and their BNs
   * `batch_norm2d_{bn + k}` (k = 0…4), LayerNorms `layer_norm_{layerNorm + j}` (2 per block, then the
   * final one), Linears `linear_{linear + j}` (qkv, proj, fc1, fc2 per block).
   */
  names: { conv: number; bn: number; layerNorm: number; linear: number };
}

export type SequenceConfig = BiLstmConfig | SvtrNeckConfig;

/** Attention decoder (docs/models.md §4.3): one-hot previous symbol, greedy, stops at the first EOS. */
export interface AttentionHeadConfig {
  kind: 'attention';
  cell: 'gru' | 'lstm';
  hidden: number;
  /** Decoding steps (25 characters + EOS = 26). */
  steps: number;
  /** Parameter names: DTRB `Prediction.attention_cell.*`, `Prediction.generator.*`; PaddleOCR dygraph
   *  `head.attention_cell.*`, `head.generator.*` (Linear stored [in, out]). */
  naming: 'dtrb' | 'paddle';
  /** Class layout: `go-eos` = [GO] 0, EOS 1, symbols 2… (DTRB, DAVAR, MindOCR, PaddleOCR SPIN); `sos-eos-last` =
   *  sos 0, symbols 1…n, eos n+1 (PaddleOCR RARE `AttnLabelEncode`). */
  labels: 'go-eos' | 'sos-eos-last';
}

export interface CtcHeadConfig {
  kind: 'ctc';
  /** `Prediction.weight` (DTRB) or `ctc_fc_w_attr` (Paddle). */
  naming: 'dtrb' | 'paddle';
  /** Paddle dygraph exports name the FC by its layer (`linear_85` → `linear_85.w_0`, `.b_0`). */
  paddleLinear?: string;
}

export interface ModelConfig {
  name: string;
  /** A charset name from src/text/charset.ts (custom charsets travel as symbols in the weights metadata). */
  charset: string;
  input: PreprocessConfig;
  transform: TransformConfig;
  backbone: BackboneConfig;
  sequence: SequenceConfig;
  head: CtcHeadConfig | AttentionHeadConfig;
}

/** The stages of a model, in forward order. */
export type StageName = 'transform' | 'backbone' | 'sequence' | 'head';
export const STAGE_NAMES: readonly StageName[] = ['transform', 'backbone', 'sequence', 'head'];

/**
 * Parameters (or running statistics) as host data, by name: what checkpoints, weight files and a
 * recognizer's copy for rebuilding after a device loss hold. params.ts `toHost` / `toDevice` convert;
 * declared here, in plain data, so that the types using it stay off tfjs.
 */
export type HostTensors = Record<string, { shape: number[]; data: Float32Array }>;
