/**
 * The builder: one ModelConfig → stages (transform → backbone → map-to-sequence → sequence → head),
 * with the wiring checked (each stage takes the previous one's declared output size).
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import { charsetSize } from '../text/charset.ts';
import { MobileNetV3 } from './backbones/mobilenetv3.ts';
import { PpLcNetV3 } from './backbones/pplcnetv3.ts';
import { ResNet32 } from './backbones/resnet32.ts';
import { Vgg } from './backbones/vgg.ts';
import { BackboneWithNeck } from './backbones/with_neck.ts';
import { AttentionHead } from './heads/attention.ts';
import { GaSpin } from './transforms/gaspin.ts';
import { Tps } from './transforms/tps.ts';
import type { ModelConfig } from './config.ts';
import { CtcHead } from './heads/ctc.ts';
import type { ParamSpec, Params } from './params.ts';
import { BiLstm } from './sequence/bilstm.ts';
import { SvtrNeck } from './sequence/svtr.ts';
import type { CompiledStage, Stage } from './stage.ts';
import { swapLeading } from './nn.ts';

/** Parameters do not match the model: lists what is missing, mismatched and unexpected. */
export class WeightsMismatchError extends WebstrError {
  override name = 'WeightsMismatchError';
  constructor(
    readonly model: string,
    readonly missing: string[],
    readonly mismatched: { name: string; expected: number[]; got: number[] }[],
    readonly unexpected: string[] = [],
  ) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing ${missing.length}: ${missing.join(', ')}`);
    if (mismatched.length > 0) {
      parts.push(
        `mismatched ${mismatched.length}: ${mismatched.map((m) => `${m.name} expected [${m.expected.join(',')}] got [${m.got.join(',')}]`).join('; ')}`,
      );
    }
    if (unexpected.length > 0) parts.push(`unexpected ${unexpected.length}: ${unexpected.join(', ')}`);
    super(`weights do not match model '${model}': ${parts.join('; ')}`);
  }
}

export { STAGE_NAMES, type StageName } from './config.ts';

export interface ModelStages {
  /** Image → rectified image of the same size; null without a transform. */
  transform: Stage | null;
  backbone: Stage;
  sequence: Stage;
  head: Stage;
  specs: ParamSpec[];
  numClasses: number;
}

/** Classes of a head over `symbols` characters: CTC adds the blank (0); attention adds [GO] 0 and EOS 1. */
export function headClasses(config: ModelConfig, symbols: number): number {
  return config.head.kind === 'attention' ? symbols + 2 : symbols + 1;
}

export function buildStages(config: ModelConfig, numClasses = headClasses(config, charsetSize(config.charset))): ModelStages {
  let inC = config.input.channels === 'gray' ? 1 : 3;
  const tr = config.transform;
  let transform: Stage | null = null;
  if (tr.kind !== 'none') {
    if (tr.inChannels !== inC) throw new InvalidArgumentError(`${config.name}: transform expects ${tr.inChannels} input channels, preprocessing gives ${inC}`);
    transform = tr.kind === 'tps' ? new Tps(tr) : new GaSpin(tr);
    inC = transform.outChannels;
  }
  const bb = config.backbone;
  if (bb.inChannels !== inC) {
    throw new InvalidArgumentError(`${config.name}: backbone expects ${bb.inChannels} input channels, the previous stage gives ${inC}`);
  }
  const base: Stage = bb.kind === 'vgg' ? new Vgg(bb) : bb.kind === 'resnet32' ? new ResNet32(bb) : bb.kind === 'pplcnetv3' ? new PpLcNetV3(bb) : new MobileNetV3(bb);
  const backbone = bb.kind === 'pplcnetv3' && bb.neck !== undefined ? new BackboneWithNeck(base, new SvtrNeck(bb.neck, base.outChannels)) : base;
  const sequence = config.sequence.kind === 'svtr' ? new SvtrNeck(config.sequence, backbone.outChannels) : new BiLstm(config.sequence, backbone.outChannels);
  const head = config.head.kind === 'attention' ? new AttentionHead(config.head, sequence.outChannels, numClasses) : new CtcHead(config.head, sequence.outChannels, numClasses);
  const specs = [...(transform?.specs ?? []), ...backbone.specs, ...sequence.specs, ...head.specs];
  return { transform, backbone, sequence, head, specs, numClasses };
}

/** Checks `params` against `specs`; throws WeightsMismatchError naming every difference. */
export function checkParams(model: string, specs: readonly ParamSpec[], params: Params): void {
  const missing: string[] = [];
  const mismatched: { name: string; expected: number[]; got: number[] }[] = [];
  for (const s of specs) {
    const t = params.get(s.name);
    if (t === undefined) missing.push(s.name);
    else if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      mismatched.push({ name: s.name, expected: s.shape, got: t.shape });
    }
  }
  const known = new Set(specs.map((s) => s.name));
  const unexpected = [...params.keys()].filter((k) => !known.has(k));
  if (missing.length > 0 || mismatched.length > 0 || unexpected.length > 0) {
    throw new WeightsMismatchError(model, missing, mismatched, unexpected);
  }
}

/** transform → backbone → map-to-sequence → sequence → head, over compiled stages (inference or training). */
export function forwardStages(
  name: string,
  transform: CompiledStage | null,
  [backbone, sequence, head]: [CompiledStage, CompiledStage, CompiledStage],
  x: Tensor,
): { logits: Tensor; rectified: Tensor | null } {
  const rectified = transform === null ? null : transform.apply(x);
  const logits = tf.tidy(() => {
    const f = backbone.apply(rectified ?? x); // [B, 1, T, C]
    if (f.shape[1] !== 1) throw new InvalidArgumentError(`${name}: feature map height must be 1, got ${f.shape[1]} (input height ${x.shape[1]})`);
    const seq = swapLeading(tf.squeeze(f, [1])); // [T, B, C]
    return head.apply(sequence.apply(seq)); // [B, T, classes]
  });
  return { logits, rectified };
}

/** A model ready for inference: stages compiled from checked parameters. */
export class CompiledModel {
  readonly numClasses: number;
  private readonly transform: CompiledStage | null;
  private readonly stages: CompiledStage[];
  private readonly attention: ReturnType<AttentionHead['compile']> | null = null;
  private classBias: Tensor | null = null;

  constructor(
    readonly config: ModelConfig,
    params: Params,
    numClasses?: number,
  ) {
    const s = buildStages(config, numClasses);
    checkParams(config.name, s.specs, params);
    this.numClasses = s.numClasses;
    this.transform = s.transform?.compile(params) ?? null;
    const head = s.head.compile(params);
    if (s.head instanceof AttentionHead) this.attention = head as ReturnType<AttentionHead['compile']>;
    this.stages = [s.backbone.compile(params), s.sequence.compile(params), head];
  }

  /**
   * Restricts an attention model's greedy feedback to the classes `mask` allows (1 = allowed; text/allow.ts);
   * null lifts it. CTC models need nothing here: their codec applies the mask when decoding.
   */
  setClassMask(mask: Uint8Array | null): void {
    if (mask !== null && mask.length !== this.numClasses) {
      throw new InvalidArgumentError(`class mask: expected ${this.numClasses} entries, got ${mask.length}`);
    }
    this.classBias?.dispose();
    this.classBias = mask === null ? null : tf.tensor1d(Array.from(mask, (m) => (m === 1 ? 0 : -1e9)), 'float32');
    this.attention?.setClassBias(this.classBias);
  }

  /**
   * Lets an attention model's fused decode loop stop once every image of the batch has fed back EOS
   * (cpu and wasm; the later steps' probabilities are then uniform, from zero logits). For callers that
   * decode greedily up to the first EOS (the recognizer, which evaluation runs too), whose text and confidences do not
   * change; off by default, so `predict` returns every step's real probabilities.
   */
  setEarlyStop(on: boolean): void {
    this.attention?.setEarlyStop(on);
  }

  get hasTransform(): boolean {
    return this.transform !== null;
  }

  /**
   * x: [B, H, W, C] normalised input → logits [B, T, classes] (CTC: T frames; attention: T steps) and,
   * with a transform, the rectified input [B, H, W, C] (both owned by the caller).
   */
  forward(x: Tensor): { logits: Tensor; rectified: Tensor | null } {
    return forwardStages(this.config.name, this.transform, this.stages as [CompiledStage, CompiledStage, CompiledStage], x);
  }

  /** x: [B, H, W, C] normalised input → probabilities [B, T, classes]. */
  predict(x: Tensor): Tensor {
    return tf.tidy(() => {
      const { logits, rectified } = this.forward(x);
      rectified?.dispose();
      return tf.softmax(logits);
    });
  }

  dispose(): void {
    this.classBias?.dispose();
    this.classBias = null;
    this.transform?.dispose();
    for (const s of this.stages) s.dispose();
  }
}
