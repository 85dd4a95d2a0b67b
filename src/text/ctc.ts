/**
 * CTC label codec and greedy decoding (docs/models.md §3, §4.4). Layout: class 0 = blank, class k = symbol
 * k−1 (DTRB, PaddleOCR), so a model over a charset of n symbols has n+1 classes.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import { encodeLabel, type Charset } from './charset.ts';

export interface Decoded {
  text: string;
  /** Mean of the kept per-frame maxima (PaddleOCR `CTCLabelDecode`); 0 for an empty result. */
  confidence: number;
  /** One per output symbol: the max probability of the frame that emitted it. */
  charConfidences: number[];
}

export class CtcCodec {
  readonly numClasses: number;
  /** Class of the first symbol (0 is the blank). */
  readonly firstSymbol = 1;
  private readonly index = new Map<string, number>();

  constructor(readonly charset: Charset) {
    this.numClasses = charset.symbols.length + 1;
    charset.symbols.forEach((s, i) => {
      if (!this.index.has(s)) this.index.set(s, i + 1);
    });
  }

  /** Label → class indices (1-based symbols). Lowercases when the charset says so; drops unknown symbols. */
  encode(label: string): number[] {
    return encodeLabel(label, this.charset, this.index);
  }

  /**
   * Greedy decoding of per-frame probabilities `probs` ([T, C] row-major, C = numClasses): argmax per
   * frame, merge consecutive repeats, drop blanks. `mask` (numClasses long, 1 = allowed; allow.ts) restricts
   * each frame's choice to the allowed classes.
   */
  decodeGreedy(probs: Float32Array | ArrayLike<number>, frames: number, mask?: Uint8Array | null): Decoded {
    const c = this.numClasses;
    if (probs.length !== frames * c) {
      throw new InvalidArgumentError(`CTC decode: expected ${frames}×${c} = ${frames * c} probabilities, got ${probs.length}`);
    }
    let text = '';
    const conf: number[] = [];
    let prev = -1;
    for (let t = 0; t < frames; t++) {
      const [best, bestP] = rowArgmax(probs, t, c, mask);
      if (best !== 0 && best !== prev) {
        text += this.charset.symbols[best - 1]!;
        conf.push(bestP);
      }
      prev = best;
    }
    return { text, confidence: meanConfidence(conf), charConfidences: conf };
  }
}

/** Argmax of row `t` of a [rows, c] row-major matrix: [class, probability] (first maximum wins); with
 *  `mask`, over the classes it allows only (it must allow at least one). */
export function rowArgmax(probs: ArrayLike<number>, t: number, c: number, mask?: Uint8Array | null): [number, number] {
  let best = -1;
  let bestP = -Infinity;
  for (let k = 0; k < c; k++) {
    if (mask != null && mask[k] === 0) continue;
    const p = probs[t * c + k]!;
    if (p > bestP || best < 0) {
      bestP = p;
      best = k;
    }
  }
  return [best, bestP];
}

/** PaddleOCR's confidence: the mean of the kept per-step maxima; 0 when nothing was kept. */
export function meanConfidence(conf: readonly number[]): number {
  return conf.length === 0 ? 0 : conf.reduce((a, b) => a + b, 0) / conf.length;
}
