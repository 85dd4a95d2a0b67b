/**
 * The typed model config: one object composes the four stages (DTRB's Trans-Feat-Seq-Pred, PaddleOCR's
 * transforms/backbones/necks/heads), plus the input preprocessing and the charset. Presets (presets.ts)
 * are values of this type, never code.
 */

/** How pixels become the input tensor (MODELS.md §1). Values: (v/255 − mean)/std per channel. */
export interface PreprocessConfig {
  channels: 'gray' | 'rgb' | 'bgr';
  height: number;
  /**
   * - `stretch`: resize to height × width regardless of aspect ratio.
   * - `keep-ratio`: width = clamp(ceil(height·w/h), minWidth, maxWidth) (PaddleOCR dynamic width; batch
   *   of one, or batches of equal width).
   * - `keep-ratio-pad`: as keep-ratio, then right-padded with `padValue` (after normalisation) to maxWidth
   *   (PaddleOCR's batched inference).
   */
  resize:
    | { mode: 'stretch'; width: number }
    | { mode: 'keep-ratio'; minWidth: number; maxWidth: number }
    | { mode: 'keep-ratio-pad'; minWidth: number; maxWidth: number; padValue: number };
  mean: number;
  std: number;
}

export type Activation = 'relu' | 'hardswish';

/** One MobileNetV3 residual unit ([PO] `ResidualUnit`): expand 1×1 → depthwise k×k → SE → project 1×1. */
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
  /** Final 1×1 conv-BN-act channels ([PO] `conv_last`), followed by maxpool 2×2/2. */
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
  /** Output channels (DTRB `output_channel`, 512): the layers use /8, /4, /2, /1 of it (MODELS.md §4.1). */
  outChannels: number;
  bnEps: number;
}

export type BackboneConfig = MobileNetV3Config | VggConfig;

/** A stack of bidirectional LSTM layers (MODELS.md §3.1, §3.2); optional Linear after each layer. */
export interface BiLstmConfig {
  kind: 'bilstm';
  layers: { hidden: number; linear?: number }[];
  /** Parameter-name convention: DTRB (`SequenceModeling.0.rnn.weight_ih_l0`) or Paddle (`lstm_cell_0.w_0`). */
  naming: 'dtrb' | 'paddle';
}

export interface CtcHeadConfig {
  kind: 'ctc';
  /** `Prediction.weight` (DTRB) or `ctc_fc_w_attr` (Paddle). */
  naming: 'dtrb' | 'paddle';
}

export interface ModelConfig {
  name: string;
  /** A charset name from src/text/charset.ts (custom charsets travel as symbols in the weights metadata). */
  charset: string;
  input: PreprocessConfig;
  transform: { kind: 'none' };
  backbone: BackboneConfig;
  sequence: BiLstmConfig;
  head: CtcHeadConfig;
}
