/**
 * The FAN ResNet ("ResNet32") of DTRB TRBA and SPIN (docs/models.md §7.5; DTRB
 * `modules/feature_extraction.py` `ResNet_FeatureExtractor` = PaddleOCR `rec_resnet_32` = DAVAR `ResNet32`):
 * 1×32×100 → 512×1×26. Basic blocks (torchvision `BasicBlock` names: conv1, bn1, conv2, bn2,
 * downsample.0/1), no conv bias. Names: `FeatureExtraction.ConvNet.<torch attribute>`.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { ResNet32Config } from '../config.ts';
import { convAct, disposeConv, foldConvBn, type FoldedConv } from '../nn.ts';
import { bnSpecs, convSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

const P = 'FeatureExtraction.ConvNet';

type Pad4 = [number, number, number, number];

/** One conv + BN of the network, by its torch names. */
interface ConvBn {
  conv: string;
  bn: string;
  inC: number;
  outC: number;
  k: number;
  stride: [number, number];
  pad: Pad4;
}

interface Block {
  a: ConvBn;
  b: ConvBn;
  down: ConvBn | null;
}

function cb(conv: string, bn: string, inC: number, outC: number, k: number, stride: [number, number] = [1, 1], pad: Pad4 = [1, 1, 1, 1]): ConvBn {
  return { conv: `${P}.${conv}`, bn: `${P}.${bn}`, inC, outC, k, stride, pad };
}

function bnNames(bn: string): [string, string, string, string] {
  return [`${bn}.weight`, `${bn}.bias`, `${bn}.running_mean`, `${bn}.running_var`];
}

/** The network as data: stem, then per stage (pool before, blocks, conv after), then conv4_1/4_2. */
function plan(c: ResNet32Config): { stem: ConvBn[]; stages: { blocks: Block[]; conv: ConvBn }[]; tail: ConvBn[] } {
  const o = c.outChannels;
  const widths = [o / 4, o / 2, o, o];
  let inplanes = o / 8;
  const stem = [cb('conv0_1', 'bn0_1', c.inChannels, o / 16, 3), cb('conv0_2', 'bn0_2', o / 16, inplanes, 3)];
  const stages = widths.map((w, s) => {
    const blocks: Block[] = [];
    for (let i = 0; i < c.layers[s]!; i++) {
      const p = `layer${s + 1}.${i}`;
      const down = i === 0 && inplanes !== w ? cb(`${p}.downsample.0`, `${p}.downsample.1`, inplanes, w, 1, [1, 1], [0, 0, 0, 0]) : null;
      blocks.push({ a: cb(`${p}.conv1`, `${p}.bn1`, i === 0 ? inplanes : w, w, 3), b: cb(`${p}.conv2`, `${p}.bn2`, w, w, 3), down });
      inplanes = w;
    }
    const conv = s < 3 ? cb(`conv${s + 1}`, `bn${s + 1}`, w, w, 3) : cb('conv4_1', 'bn4_1', w, w, 2, [2, 1], [0, 0, 1, 1]);
    return { blocks, conv };
  });
  return { stem, stages, tail: [cb('conv4_2', 'bn4_2', o, o, 2, [1, 1], [0, 0, 0, 0])] };
}

function allConvs(p: ReturnType<typeof plan>): ConvBn[] {
  return [...p.stem, ...p.stages.flatMap((s) => [...s.blocks.flatMap((b) => [b.a, b.b, ...(b.down ? [b.down] : [])]), s.conv]), ...p.tail];
}

/** Max pool whose padding counts as −∞ (PyTorch), NHWC. */
function maxPoolPadded(x: Tensor, k: [number, number], s: [number, number], pad: [number, number]): Tensor {
  const y = pad[0] + pad[1] > 0 ? tf.pad(x, [[0, 0], [pad[0], pad[0]], [pad[1], pad[1]], [0, 0]], -3.4e38) : x;
  return tf.maxPool(y as tf.Tensor4D, k, s, 'valid');
}

export class ResNet32 implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;
  private readonly plan: ReturnType<typeof plan>;

  constructor(readonly config: ResNet32Config) {
    this.plan = plan(config);
    for (const c of allConvs(this.plan)) this.specs.push(convSpec(`${c.conv}.weight`, [c.k, c.k, c.inC, c.outC]), ...bnSpecs(bnNames(c.bn), c.outC));
    this.outChannels = config.outChannels;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const fold = (c: ConvBn): FoldedConv => foldConvBn(params, `${c.conv}.weight`, bnNames(c.bn), this.config.bnEps, { stride: c.stride, pad: c.pad, train });
    const stem = this.plan.stem.map(fold);
    const stages = this.plan.stages.map((s) => ({
      blocks: s.blocks.map((b) => ({ a: fold(b.a), b: fold(b.b), down: b.down ? fold(b.down) : null })),
      conv: fold(s.conv),
    }));
    const tail = this.plan.tail.map(fold);
    // Pools before stages 1–3 (maxpool1, maxpool2: 2/2; maxpool3: k2 s(2,1) p(0,1)); none before stage 4.
    const pools: ([number, number, number, number, number, number] | null)[] = [[2, 2, 2, 2, 0, 0], [2, 2, 2, 2, 0, 0], [2, 2, 2, 1, 0, 1], null];
    return {
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          let y = x; // [B, 32, 100, Cin]
          for (const c of stem) y = convAct(y, c, 'relu'); // [B, 32, 100, o/8]
          stages.forEach((s, i) => {
            const p = pools[i];
            if (p) y = maxPoolPadded(y, [p[0], p[1]], [p[2], p[3]], [p[4], p[5]]);
            for (const b of s.blocks) {
              const r = convAct(convAct(y, b.a, 'relu'), b.b, 'linear');
              y = tf.relu(tf.add(r, b.down ? convAct(y, b.down, 'linear') : y));
            }
            y = convAct(y, s.conv, 'relu'); // stage 4: conv4_1 → [B, 2, 27, o]
          });
          for (const c of tail) y = convAct(y, c, 'relu');
          return y; // [B, 1, 26, o]
        }),
      dispose: () => {
        stem.forEach(disposeConv);
        for (const s of stages) {
          for (const b of s.blocks) [b.a, b.b, ...(b.down ? [b.down] : [])].forEach(disposeConv);
          disposeConv(s.conv);
        }
        tail.forEach(disposeConv);
      },
    };
  }
}
