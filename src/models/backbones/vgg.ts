/**
 * VGG feature extractor of CRNN as in deep-text-recognition-benchmark `modules/feature_extraction.py`
 * (`VGG_FeatureExtractor`, docs/models.md §5.1): 1×32×100 → 512×1×24. Parameter names are DTRB's
 * `FeatureExtraction.ConvNet.<index in the nn.Sequential>.*`.
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import type { VggConfig } from '../config.ts';
import { convAct, disposeConv, foldConvBn, type FoldedConv } from '../nn.ts';
import { bnSpecs, convSpec, vecSpec, type ParamSpec, type Params } from '../params.ts';
import type { CompiledStage, Stage, TrainMode } from '../stage.ts';

const P = 'FeatureExtraction.ConvNet';

/** DTRB's Sequential: conv indices, whether a BN follows (at index+1), kernel, padding, and the pool after. */
interface VggLayer {
  index: number;
  channels: (out: number) => number;
  bn: boolean;
  kernel: number;
  pad: number;
  pool: null | { k: [number, number]; s: [number, number] };
}

const LAYERS: VggLayer[] = [
  { index: 0, channels: (o) => o / 8, bn: false, kernel: 3, pad: 1, pool: { k: [2, 2], s: [2, 2] } }, // 64×16×50
  { index: 3, channels: (o) => o / 4, bn: false, kernel: 3, pad: 1, pool: { k: [2, 2], s: [2, 2] } }, // 128×8×25
  { index: 6, channels: (o) => o / 2, bn: false, kernel: 3, pad: 1, pool: null }, // 256×8×25
  { index: 8, channels: (o) => o / 2, bn: false, kernel: 3, pad: 1, pool: { k: [2, 1], s: [2, 1] } }, // 256×4×25
  { index: 11, channels: (o) => o, bn: true, kernel: 3, pad: 1, pool: null }, // 512×4×25
  { index: 14, channels: (o) => o, bn: true, kernel: 3, pad: 1, pool: { k: [2, 1], s: [2, 1] } }, // 512×2×25
  { index: 18, channels: (o) => o, bn: false, kernel: 2, pad: 0, pool: null }, // 512×1×24
];

function bnNames(index: number): [string, string, string, string] {
  const p = `${P}.${index + 1}`;
  return [`${p}.weight`, `${p}.bias`, `${p}.running_mean`, `${p}.running_var`];
}

export class Vgg implements Stage {
  readonly specs: ParamSpec[] = [];
  readonly outChannels: number;

  constructor(readonly config: VggConfig) {
    let inC = config.inChannels;
    for (const l of LAYERS) {
      const out = l.channels(config.outChannels);
      this.specs.push(convSpec(`${P}.${l.index}.weight`, [l.kernel, l.kernel, inC, out]));
      if (l.bn) this.specs.push(...bnSpecs(bnNames(l.index), out));
      else this.specs.push(vecSpec(`${P}.${l.index}.bias`, out));
      inC = out;
    }
    this.outChannels = config.outChannels;
  }

  compile(params: Params, train?: TrainMode): CompiledStage {
    const convs: FoldedConv[] = LAYERS.map((l) =>
      foldConvBn(params, `${P}.${l.index}.weight`, l.bn ? bnNames(l.index) : null, this.config.bnEps, {
        pad: l.pad,
        ...(l.bn ? {} : { bias: `${P}.${l.index}.bias` }),
        train,
      }),
    );
    return {
      apply: (x: Tensor): Tensor =>
        tf.tidy(() => {
          let y = x; // [B, 32, 100, Cin]
          LAYERS.forEach((l, i) => {
            y = convAct(y, convs[i]!, 'relu');
            if (l.pool !== null) y = tf.maxPool(y as tf.Tensor4D, l.pool.k, l.pool.s, 'valid');
          });
          return y; // [B, 1, 24, 512]
        }),
      dispose: () => convs.forEach(disposeConv),
    };
  }
}
