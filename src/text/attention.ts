/**
 * Attention label codec (docs/models.md §3, §4.3). Layout `go-eos`: class 0 = [GO], 1 = EOS ([s]), class k =
 * symbol k−2 (DTRB, DAVAR, MindOCR; PaddleOCR SPIN's sos/eos layout is the same). Layout `sos-eos-last` (PaddleOCR
 * RARE): 0 = sos, symbols 1…n, n+1 = eos. Greedy decoding takes each step's argmax
 * and stops at the first EOS (fixing PaddleOCR's `AttnLabelDecode`, which skips EOS and keeps going);
 * a [GO] prediction is skipped (DTRB would print the literal `[GO]`).
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import { encodeLabel, type Charset } from './charset.ts';
import { CtcCodec, meanConfidence, rowArgmax, type Decoded } from './ctc.ts';

export type AttentionLabels = 'go-eos' | 'sos-eos-last';

export class AttentionCodec {
  readonly numClasses: number;
  /** Class of the start symbol ([GO] / sos) and of EOS; symbols start at `first`. */
  readonly go = 0;
  readonly eos: number;
  /** Class of the first symbol. */
  readonly firstSymbol: number;
  private readonly index = new Map<string, number>();

  constructor(
    readonly charset: Charset,
    readonly labels: AttentionLabels = 'go-eos',
  ) {
    this.numClasses = charset.symbols.length + 2;
    this.firstSymbol = labels === 'go-eos' ? 2 : 1;
    this.eos = labels === 'go-eos' ? 1 : charset.symbols.length + 1;
    charset.symbols.forEach((s, i) => {
      if (!this.index.has(s)) this.index.set(s, i + this.firstSymbol);
    });
  }

  /** Label → class indices (symbols from 2), without [GO]/EOS; lowercased when the charset says so. */
  encode(label: string): number[] {
    return encodeLabel(label, this.charset, this.index);
  }

  /** probs: [steps, C] row-major. Confidence: mean of the kept steps' maxima (PaddleOCR); 0 when empty. */
  decodeGreedy(probs: Float32Array | ArrayLike<number>, steps: number, mask?: Uint8Array | null): Decoded {
    const c = this.numClasses;
    if (probs.length !== steps * c) {
      throw new InvalidArgumentError(`attention decode: expected ${steps}×${c} = ${steps * c} probabilities, got ${probs.length}`);
    }
    let text = '';
    const conf: number[] = [];
    for (let t = 0; t < steps; t++) {
      const [best, bestP] = rowArgmax(probs, t, c, mask);
      if (best === this.eos) break;
      if (best === this.go) continue;
      text += this.charset.symbols[best - this.firstSymbol]!;
      conf.push(bestP);
    }
    return { text, confidence: meanConfidence(conf), charConfidences: conf };
  }
}

/** The codec a model's head calls for. */
export function codecFor(
  head: { kind: 'ctc' } | { kind: 'attention'; labels: AttentionLabels },
  charset: Charset,
): { numClasses: number; firstSymbol: number; decodeGreedy: (p: Float32Array, frames: number, mask?: Uint8Array | null) => Decoded } {
  return head.kind === 'attention' ? new AttentionCodec(charset, head.labels) : new CtcCodec(charset);
}
