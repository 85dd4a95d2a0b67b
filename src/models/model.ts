/**
 * The builder: one ModelConfig → stages (transform → backbone → map-to-sequence → sequence → head),
 * with the wiring checked (each stage takes the previous one's declared output size).
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import { getCharset } from '../text/charset.ts';
import { MobileNetV3 } from './backbones/mobilenetv3.ts';
import { Vgg } from './backbones/vgg.ts';
import type { ModelConfig } from './config.ts';
import { CtcHead } from './heads/ctc.ts';
import type { ParamSpec, Params } from './params.ts';
import { BiLstm } from './sequence/bilstm.ts';
import type { CompiledStage, Stage } from './stage.ts';

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

export interface ModelStages {
  backbone: Stage;
  sequence: Stage;
  head: Stage;
  specs: ParamSpec[];
  numClasses: number;
}

export function buildStages(config: ModelConfig, numClasses = getCharset(config.charset).symbols.length + 1): ModelStages {
  if (config.transform.kind !== 'none') throw new InvalidArgumentError(`transform '${String(config.transform.kind)}' is not implemented yet`);
  const inC = config.input.channels === 'gray' ? 1 : 3;
  const bb = config.backbone;
  if (bb.inChannels !== inC) {
    throw new InvalidArgumentError(`${config.name}: backbone expects ${bb.inChannels} input channels, preprocessing gives ${inC}`);
  }
  const backbone = bb.kind === 'vgg' ? new Vgg(bb) : new MobileNetV3(bb);
  const sequence = new BiLstm(config.sequence, backbone.outChannels);
  const head = new CtcHead(config.head, sequence.outChannels, numClasses);
  return { backbone, sequence, head, specs: [...backbone.specs, ...sequence.specs, ...head.specs], numClasses };
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

/** A model ready for inference: stages compiled from checked parameters. */
export class CompiledModel {
  readonly numClasses: number;
  private readonly stages: CompiledStage[];

  constructor(
    readonly config: ModelConfig,
    params: Params,
    numClasses?: number,
  ) {
    const s = buildStages(config, numClasses);
    checkParams(config.name, s.specs, params);
    this.numClasses = s.numClasses;
    this.stages = [s.backbone.compile(params), s.sequence.compile(params), s.head.compile(params)];
  }

  /** x: [B, H, W, C] normalised input → probabilities [B, T, classes]. */
  predict(x: Tensor): Tensor {
    const [backbone, sequence, head] = this.stages as [CompiledStage, CompiledStage, CompiledStage];
    return tf.tidy(() => {
      const f = backbone.apply(x); // [B, 1, T, C]
      if (f.shape[1] !== 1) throw new InvalidArgumentError(`${this.config.name}: feature map height must be 1, got ${f.shape[1]} (input height ${x.shape[1]})`);
      const seq = tf.transpose(tf.squeeze(f, [1]), [1, 0, 2]); // [T, B, C]
      return head.apply(sequence.apply(seq)); // [B, T, classes]
    });
  }

  dispose(): void {
    for (const s of this.stages) s.dispose();
  }
}
