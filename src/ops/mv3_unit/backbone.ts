/**
 * `mv3Backbone`: a whole MobileNetV3 recognition backbone at inference (stem conv + activation, every unit,
 * the last 1×1 conv + activation, a max-pool with stride = window) as one kernel on wasm (wasm/simd.c
 * `mv3_backbone`). The weights are packed once into one float32 tensor (`packMv3Backbone`); each call writes
 * a small table of shapes and offsets to heap scratch and makes one wasm call, so tfjs dispatches one kernel
 * per word instead of ~15 and no intermediate map becomes a tensor.
 *
 * Numerics: the units are `mv3_unit` (the same bits as `mv3Unit`); the last conv is `pointwise_act` (the bits
 * of `pointwiseConvAct`); the stem runs as a GEMM over its patches, summing each output's taps in (ky, kx, c)
 * order after the bias (tfjs's conv2d may sum in another order: within float32 rounding of it); the pool's
 * maximum is exact (a −0/+0 tie may keep either zero). Inference only; `canFuseMv3Backbone` says when.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type KernelConfig, type NamedAttrMap, type Tensor, type TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { depthwiseRowsEnabled } from '../depthwise_act/depthwise_act.ts';
import { simdFor } from '../simd/simd.ts';
import { onHeap } from '../simd/host_gemm.ts';
import { PADDLE_SLOPE } from '../se_block/se_block.ts';
import { canFuseMv3Unit } from './mv3_unit.ts';

export const MV3_BACKBONE = 'WebstrMv3Backbone';

let enabled = true;

/** Switches the one-kernel backbone off and on again (one kernel per unit then runs): for before/after measurements. */
export function setMv3BackboneFusionEnabled(on: boolean): void {
  enabled = on;
}

/** True where a backbone runs as one kernel: where its units do (`canFuseMv3Unit`) and this kernel is registered. */
export function canFuseMv3Backbone(): boolean {
  return enabled && canFuseMv3Unit() && tf.getKernel(MV3_BACKBONE, tf.getBackend()) !== undefined;
}

const ACTS = { linear: 0, relu: 1, hardswish: 2 } as const;
export type Mv3Act = keyof typeof ACTS;

/** A conv with its folded bias: filter HWIO [KH, KW, Cin, C] (depthwise: [K, K, E, 1]), bias [C]. */
interface ConvIn {
  filter: Tensor;
  bias: Tensor;
}

export interface Mv3BackboneSpec {
  stem: ConvIn & { stride: [number, number]; pad: [number, number, number, number]; act: Mv3Act };
  units: {
    expand: ConvIn;
    depthwise: ConvIn & { stride: [number, number]; pad: [number, number, number, number] };
    se: { w1: ConvIn; w2: ConvIn } | null;
    linear: ConvIn;
    act: 'relu' | 'hardswish';
    residual: boolean;
  }[];
  last: ConvIn & { act: Mv3Act };
  /** Max-pool window = stride, 'valid'. */
  pool: [number, number];
}

interface UnitLayout {
  cin: number;
  e: number;
  cout: number;
  k: number;
  stride: [number, number];
  pad: [number, number, number, number];
  act: number;
  m: number;
  residual: boolean;
  /** Float offsets into the pack: we be wd bd w1 b1 w2 b2 wl bl. */
  at: number[];
}

interface Layout {
  stem: { cin: number; c: number; kh: number; kw: number; stride: [number, number]; pad: [number, number, number, number]; act: number; at: [number, number] };
  units: UnitLayout[];
  last: { cin: number; c: number; act: number; at: [number, number] };
  pool: [number, number];
  slope: number;
}

/** The packed weights of one backbone (keep it while the model lives; `dispose` frees it). */
export interface Mv3BackbonePack {
  pack: Tensor;
  layout: Layout;
  dispose(): void;
}

/** Packs a backbone's weights into one tensor (checks every shape; throws InvalidArgumentError). */
export function packMv3Backbone(spec: Mv3BackboneSpec): Mv3BackbonePack {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`mv3Backbone: ${what}`);
  };
  const parts: Tensor[] = [];
  let size = 0;
  const put = (t: Tensor): number => {
    if (t.dtype !== 'float32') bad('every weight must be float32');
    parts.push(t);
    size += t.size;
    return size - t.size;
  };
  const ints = (v: number[]): boolean => v.every((n) => Number.isInteger(n) && n >= 0);
  const [kh, kw, cin0, c0] = spec.stem.filter.shape as number[];
  if (spec.stem.filter.rank !== 4 || spec.stem.bias.size !== c0) bad(`the stem must be [KH, KW, Cin, C] with bias [C], got [${spec.stem.filter.shape.join(', ')}]`);
  if (!ints([...spec.stem.stride, ...spec.stem.pad]) || spec.stem.stride.some((s) => s < 1)) bad('the stem needs integer strides ≥ 1 and paddings ≥ 0');
  const stem = { cin: cin0!, c: c0!, kh: kh!, kw: kw!, stride: spec.stem.stride, pad: spec.stem.pad, act: ACTS[spec.stem.act], at: [put(spec.stem.filter), put(spec.stem.bias)] as [number, number] };
  let cin = c0!;
  const units = spec.units.map((u, i): UnitLayout => {
    const unitCin = cin;
    const e = u.expand.bias.size;
    const cout = u.linear.bias.size;
    const k = u.depthwise.filter.shape[0];
    if (u.expand.filter.size !== cin * e) bad(`unit ${i}: expand must be [1, 1, ${cin}, ${e}], got [${u.expand.filter.shape.join(', ')}]`);
    const [dk, dkw, de, dm] = u.depthwise.filter.shape;
    if (u.depthwise.filter.rank !== 4 || dk !== dkw || de !== e || dm !== 1 || u.depthwise.bias.size !== e) bad(`unit ${i}: depthwise must be [K, K, ${e}, 1] with bias [${e}]`);
    if (u.linear.filter.size !== e * cout) bad(`unit ${i}: linear must be [1, 1, ${e}, ${cout}], got [${u.linear.filter.shape.join(', ')}]`);
    if (!ints([...u.depthwise.stride, ...u.depthwise.pad]) || u.depthwise.stride.some((s) => s < 1)) bad(`unit ${i}: integer strides ≥ 1 and paddings ≥ 0`);
    if (u.residual && (cin !== cout || u.depthwise.stride.some((s) => s !== 1))) bad(`unit ${i}: a residual needs stride 1 and Cin = Cout`);
    const m = u.se === null ? 0 : u.se.w1.bias.size;
    if (u.se !== null && (u.se.w1.filter.size !== e * m || u.se.w2.filter.size !== m * e || u.se.w2.bias.size !== e)) bad(`unit ${i}: SE must be [${e}, M], [M], [M, ${e}], [${e}]`);
    const at = [put(u.expand.filter), put(u.expand.bias), put(u.depthwise.filter), put(u.depthwise.bias)];
    at.push(...(u.se === null ? [0, 0, 0, 0] : [put(u.se.w1.filter), put(u.se.w1.bias), put(u.se.w2.filter), put(u.se.w2.bias)]));
    at.push(put(u.linear.filter), put(u.linear.bias));
    cin = cout;
    return { cin: unitCin, e, cout, k, stride: u.depthwise.stride, pad: u.depthwise.pad, act: ACTS[u.act], m, residual: u.residual, at };
  });
  const cl = spec.last.bias.size;
  if (spec.last.filter.size !== cin * cl) bad(`the last conv must be [1, 1, ${cin}, ${cl}], got [${spec.last.filter.shape.join(', ')}]`);
  const last = { cin, c: cl, act: ACTS[spec.last.act], at: [put(spec.last.filter), put(spec.last.bias)] as [number, number] };
  if (!ints(spec.pool) || spec.pool.some((p) => p < 1)) bad('the pool window must be integers ≥ 1');
  const slopeT = tf.scalar(PADDLE_SLOPE);
  const slope = put(slopeT);
  const pack = tf.tidy(() => tf.concat(parts.map((t) => tf.reshape(t, [-1]))));
  slopeT.dispose();
  return { pack, layout: { stem, units, last, pool: spec.pool, slope }, dispose: () => pack.dispose() };
}

const HEADER = 8;
const STEM = 15;
const UNIT = 26;
const LAST = 11;

const outSize = (n: number, k: number, s: number, p0: number, p1: number): number => Math.floor((n + p0 + p1 - k) / s) + 1;

/** x [B, H, W, Cin] → [B, PH, PW, C]: the backbone of `p` on x. */
export function mv3Backbone(x: Tensor, p: Mv3BackbonePack): Tensor {
  if (x.rank !== 4 || x.dtype !== 'float32' || x.shape[3] !== p.layout.stem.cin) {
    throw new InvalidArgumentError(`mv3Backbone: x must be float32 [B, H, W, ${p.layout.stem.cin}], got ${x.dtype} [${x.shape.join(', ')}]`);
  }
  return tf.engine().runKernel<Tensor>(MV3_BACKBONE, { x, pack: p.pack }, { layout: p.layout as unknown as NamedAttrMap }); // an object attribute: read back as it is in the kernel
}

/** The per-call table (see wasm/simd.c mv3_backbone) and the sizes it needs, from the input's shape. */
function plan(l: Layout, b: number, h0: number, w0: number): { table: number[]; maxMap: number; work: number; out: [number, number, number, number] } {
  const bad = (what: string): never => {
    throw new InvalidArgumentError(`mv3Backbone: ${what}`);
  };
  const s = l.stem;
  let h = outSize(h0, s.kh, s.stride[0], s.pad[0], s.pad[1]);
  let w = outSize(w0, s.kw, s.stride[1], s.pad[2], s.pad[3]);
  if (h < 1 || w < 1) bad(`the ${s.kh}×${s.kw} stem does not fit a ${h0}×${w0} input`);
  const table = [0, 0, 0, 0, 0, 0, b, l.units.length, h0, w0, s.cin, s.c, s.kh, s.kw, s.stride[0], s.stride[1], s.pad[0], s.pad[2], h, w, s.act, s.at[0], s.at[1]];
  let maxMap = b * h * w * s.c;
  let work = b * h * w * s.kh * s.kw * s.cin;
  for (const u of l.units) {
    const oh = outSize(h, u.k, u.stride[0], u.pad[0], u.pad[1]);
    const ow = outSize(w, u.k, u.stride[1], u.pad[2], u.pad[3]);
    if (oh < 1 || ow < 1) bad(`a ${u.k}×${u.k} unit does not fit its ${h}×${w} map`);
    table.push(h, w, u.cin, u.e, u.cout, u.k, u.stride[0], u.stride[1], u.pad[0], u.pad[2], oh, ow, u.act, u.m, u.residual ? 1 : 0, ...u.at, l.slope);
    work = Math.max(work, b * h * w * u.e + b * oh * ow * u.e + u.e + u.m);
    maxMap = Math.max(maxMap, b * oh * ow * u.cout);
    h = oh;
    w = ow;
  }
  const [ph, pw] = l.pool;
  const [PH, PW] = [Math.floor(h / ph), Math.floor(w / pw)];
  if (PH < 1 || PW < 1) bad(`the ${ph}×${pw} pool does not fit the last ${h}×${w} map`);
  maxMap = Math.max(maxMap, b * h * w * l.last.c);
  table.push(h, w, l.last.cin, l.last.c, l.last.act, l.last.at[0], l.last.at[1], PH, PW, ph, pw);
  return { table, maxMap, work, out: [b, PH, PW, l.last.c] };
}

export const mv3BackboneKernels: KernelConfig[] = [
  {
    kernelName: MV3_BACKBONE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, pack } = inputs as unknown as { x: TensorInfo; pack: TensorInfo };
      const layout = (attrs as unknown as { layout: Layout }).layout;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('mv3Backbone: the wasm SIMD module is not available here');
      const [b, h, w] = x.shape as [number, number, number, number];
      const p = plan(layout, b, h, w);
      const y = (backend as BackendWasm).makeOutput(p.out, 'float32');
      const round = (n: number): number => (n + 3) & ~3;
      const tableFloats = round(HEADER + STEM + UNIT * layout.units.length + LAST);
      onHeap(simd, tableFloats + 2 * round(p.maxMap) + p.work, ({ scratch }) => {
        const base = 4 * scratch.o; // bytes
        const mapA = base + 4 * tableFloats;
        const mapB = mapA + 4 * round(p.maxMap);
        const work = mapB + 4 * round(p.maxMap);
        const t = p.table;
        [t[0], t[1], t[2], t[3], t[4], t[5]] = [simd.offset(pack), mapA, mapB, work, simd.offset(x), simd.offset(y)];
        new Uint32Array(scratch.a.buffer, base, t.length).set(t);
        simd.mv3Backbone(base, depthwiseRowsEnabled() ? 1 : 0);
      });
      return y;
    },
  },
];
