/**
 * `svtrNeckFused`: the inference forward of PaddleOCR's SVTR neck (src/models/sequence/svtr.ts) as one
 * kernel on cpu and wasm (numerics in ./neck.ts). Unfused, the neck is ~144 small tfjs ops per call
 * (LayerNorms, head splits, transposes, swishes) for ~9 M multiply-adds on a 40×128 crop, so op overhead
 * was most of its time. Training (a gradient tape) and webgpu keep the tf ops (`canFuseSvtrNeck`).
 */
import { tf, type Tensor } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { simdFor } from '../simd/simd.ts';

export const SVTR_NECK = 'WebstrSvtrNeck';

let enabled = true;

/** Switches the fused path off and on again: for before/after measurements and tests. */
export function setSvtrNeckFusionEnabled(on: boolean): void {
  enabled = on;
}

/** True on cpu, and on wasm with the SIMD module, when no gradient tape records and the switch is on. */
export function canFuseSvtrNeck(): boolean {
  const name = tf.getBackend();
  if (!enabled || tf.engine().state.gradientDepth > 0 || tf.getKernel(SVTR_NECK, name) === undefined) return false;
  return name === 'cpu' || (name === 'wasm' && simdFor(tf.backend(), name) !== null);
}

export interface SvtrNeckBlockWeights {
  norm1: [Tensor, Tensor];
  qkv: [Tensor, Tensor];
  proj: [Tensor, Tensor];
  norm2: [Tensor, Tensor];
  fc1: [Tensor, Tensor];
  fc2: [Tensor, Tensor];
}

export interface SvtrNeckWeights {
  /** The five convs with BatchNorm folded: filter [1, k, Cin, Cout], bias [Cout]. */
  convs: { filter: Tensor; bias: Tensor }[];
  blocks: SvtrNeckBlockWeights[];
  norm: [Tensor, Tensor];
}

export interface SvtrNeckOptions {
  heads: number;
  kernel: number;
  lnEps: number;
  finalLnEps: number;
}

const BLOCK_PARTS = ['norm1', 'qkv', 'proj', 'norm2', 'fc1', 'fc2'] as const;

/** x [T, B, C] → [T, B, dims]. */
export function svtrNeckFused(x: Tensor, w: SvtrNeckWeights, opts: SvtrNeckOptions): Tensor {
  if (x.rank !== 3 || x.dtype !== 'float32') throw new InvalidArgumentError(`svtrNeckFused: x must be float32 [T, B, C], got ${x.dtype} [${x.shape.join(', ')}]`);
  const [, , C] = x.shape as [number, number, number];
  const { heads, kernel: k } = opts;
  if (w.convs.length !== 5) throw new InvalidArgumentError(`svtrNeckFused: expected 5 convs, got ${w.convs.length}`);
  const out = (j: number): number => w.convs[j]!.filter.shape[3] ?? 0;
  const [mid, hidden, , , dims] = [0, 1, 2, 3, 4].map(out) as [number, number, number, number, number];
  const mlp = w.blocks[0]?.fc1[0].shape[1] ?? 0;
  const expected: [string, Tensor, number[]][] = [];
  const convIn = [C, mid, hidden, 2 * C, mid];
  const convOut = [mid, hidden, C, mid, dims];
  const convK = [k, 1, 1, k, 1];
  w.convs.forEach((c, j) => {
    expected.push([`conv ${j} filter`, c.filter, [1, convK[j]!, convIn[j]!, convOut[j]!]], [`conv ${j} bias`, c.bias, [convOut[j]!]]);
  });
  w.blocks.forEach((b, i) => {
    const shapes: Record<(typeof BLOCK_PARTS)[number], [number[], number[]]> = {
      norm1: [[hidden], [hidden]],
      qkv: [[hidden, 3 * hidden], [3 * hidden]],
      proj: [[hidden, hidden], [hidden]],
      norm2: [[hidden], [hidden]],
      fc1: [[hidden, mlp], [mlp]],
      fc2: [[mlp, hidden], [hidden]],
    };
    for (const p of BLOCK_PARTS) expected.push([`block ${i} ${p} weight`, b[p][0], shapes[p][0]], [`block ${i} ${p} bias`, b[p][1], shapes[p][1]]);
  });
  expected.push(['norm weight', w.norm[0], [hidden]], ['norm bias', w.norm[1], [hidden]]);
  for (const [name, t, shape] of expected) {
    if (t.dtype !== 'float32') throw new InvalidArgumentError(`svtrNeckFused: ${name} must be float32, got ${t.dtype}`);
    if (t.shape.join(',') !== shape.join(',')) throw new InvalidArgumentError(`svtrNeckFused: ${name} must be [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  if (!Number.isInteger(heads) || heads < 1 || hidden % heads !== 0) throw new InvalidArgumentError(`svtrNeckFused: hidden ${hidden} is not a multiple of heads ${heads}`);
  if (!Number.isInteger(k) || k < 1 || k % 2 !== 1) throw new InvalidArgumentError(`svtrNeckFused: kernel must be odd and positive, got ${k}`);
  if (x.size === 0 || mid === 0 || mlp === 0 || dims === 0) throw new InvalidArgumentError(`svtrNeckFused: empty input or weights ([${x.shape.join(', ')}])`);
  const inputs: Record<string, Tensor> = { x, normG: w.norm[0], normB: w.norm[1] };
  w.convs.forEach((c, j) => {
    inputs[`c${j}W`] = c.filter;
    inputs[`c${j}B`] = c.bias;
  });
  w.blocks.forEach((b, i) => {
    for (const p of BLOCK_PARTS) {
      inputs[`b${i}${p}W`] = b[p][0];
      inputs[`b${i}${p}B`] = b[p][1];
    }
  });
  return tf.engine().runKernel<Tensor>(SVTR_NECK, inputs, { heads, kernel: k, depth: w.blocks.length, lnEps: opts.lnEps, finalLnEps: opts.finalLnEps });
}

export { BLOCK_PARTS };
