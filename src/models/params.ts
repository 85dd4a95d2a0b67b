/**
 * Parameters: named tensors in the project's layout (tfjs-native: conv filters HWIO, depthwise filters
 * [kh, kw, C, 1], Linear [in, out], LSTM weights as PyTorch/Paddle [4H, in] with gates [i, f, g, o]).
 * Names follow the reference checkpoints, so importers are tables of renames plus the `layout` tag
 * that says how the reference stores the tensor.
 */
import { tf, type Tensor } from '../runtime/tf.ts';
import { rareInitialFiducials } from '../ops/tps/tps.ts';
import type { HostTensors } from './config.ts';

export type { HostTensors };

/** How the reference checkpoint stores the tensor: `conv` OIHW, `depthwise` [C, 1, kh, kw],
 *  `linear_out_in` PyTorch Linear [out, in], `plain` same as ours. */
export type SourceLayout = 'conv' | 'depthwise' | 'linear_out_in' | 'plain';

/** `rare_fiducials`: the TPS fc2 bias, RARE Fig. 6(a) (docs/models.md §6.1); `gaspin_fc2`: GA-SPIN's fc2 bias
 *  (identity colour transform, gate closed, RARE fiducials; `gaspinInitialBias`). */
export type Init = 'he' | 'zeros' | 'ones' | 'uniform_lstm' | 'rare_fiducials' | 'gaspin_fc2';

/** GA-SPIN fc2's initial bias of length n = (2K+1) + 1 + 2·20: [0 ×2K, 5 (β = 1), −5 (λ ≈ 0.0067), the RARE fiducials]. */
export function gaspinInitialBias(n: number): Float32Array {
  const fid = rareInitialFiducials();
  const nw = n - 1 - fid.length;
  const b = new Float32Array(n);
  b[nw - 1] = 5;
  b[nw] = -5;
  b.set(fid, nw + 1);
  return b;
}

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Trainable weight (false for BatchNorm running statistics). */
  trainable: boolean;
  /** The layout in Paddle checkpoints / ONNX exports. */
  paddleLayout: SourceLayout;
  /** The layout in PyTorch checkpoints. */
  torchLayout: SourceLayout;
  init: Init;
}

export type Params = Map<string, Tensor>;

/** Reads every tensor back (a copy: never a view the backend may still write into). */
export async function toHost(params: Params | Readonly<Record<string, Tensor>>): Promise<HostTensors> {
  const out: HostTensors = {};
  const entries = params instanceof Map ? [...params] : Object.entries(params);
  // The cpu backend hands out its own arrays; the others already return a fresh copy.
  const copy = tf.getBackend() === 'cpu';
  for (const [name, t] of entries) {
    const data = (await t.data()) as Float32Array;
    out[name] = { shape: [...t.shape], data: copy ? data.slice() : data };
  }
  return out;
}

/** Float32 tensors on the active backend; the caller disposes them. */
export function toDevice(host: HostTensors): Params {
  return new Map(Object.entries(host).map(([name, v]) => [name, tf.tensor(v.data, v.shape, 'float32')]));
}

export function convSpec(name: string, shape: number[], depthwise = false): ParamSpec {
  const layout: SourceLayout = depthwise ? 'depthwise' : 'conv';
  return { name, shape, trainable: true, paddleLayout: layout, torchLayout: layout, init: 'he' };
}

export function vecSpec(name: string, n: number, init: Init = 'zeros', trainable = true): ParamSpec {
  return { name, shape: [n], trainable, paddleLayout: 'plain', torchLayout: 'plain', init };
}

export function linearSpec(name: string, inF: number, outF: number): ParamSpec {
  return { name, shape: [inF, outF], trainable: true, paddleLayout: 'plain', torchLayout: 'linear_out_in', init: 'he' };
}

export function plainSpec(name: string, shape: number[], init: Init): ParamSpec {
  return { name, shape, trainable: true, paddleLayout: 'plain', torchLayout: 'plain', init };
}

/** BatchNorm parameters under the given four names (scale, offset, mean, variance). */
export function bnSpecs(names: [string, string, string, string], n: number): ParamSpec[] {
  return [
    vecSpec(names[0], n, 'ones'),
    vecSpec(names[1], n, 'zeros'),
    vecSpec(names[2], n, 'zeros', false),
    vecSpec(names[3], n, 'ones', false),
  ];
}

/** BatchNorm names of a Paddle dygraph export (`batch_norm2d_N`): scale w_0, offset b_0, mean w_1, variance w_2. */
export function paddleBnNames(prefix: string): [string, string, string, string] {
  return [`${prefix}.w_0`, `${prefix}.b_0`, `${prefix}.w_1`, `${prefix}.w_2`];
}

/** Shape of the tensor as the reference stores it. */
export function sourceShape(shape: readonly number[], layout: SourceLayout): number[] {
  switch (layout) {
    case 'conv': // HWIO → OIHW
      return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
    case 'depthwise': // [kh, kw, C, 1] → [C, 1, kh, kw]
      return [shape[2]!, shape[3]!, shape[0]!, shape[1]!];
    case 'linear_out_in':
      return [shape[1]!, shape[0]!];
    case 'plain':
      return [...shape];
  }
}

/** Converts a reference-layout tensor to ours. */
export function fromSourceLayout(t: Tensor, layout: SourceLayout): Tensor {
  switch (layout) {
    case 'conv': // OIHW → HWIO
      return tf.transpose(t, [2, 3, 1, 0]);
    case 'depthwise': // [C, 1, kh, kw] → [kh, kw, C, 1]
      return tf.transpose(t, [2, 3, 0, 1]);
    case 'linear_out_in':
      return tf.transpose(t, [1, 0]);
    case 'plain':
      return t.clone();
  }
}

export function countParams(specs: readonly ParamSpec[], trainableOnly = true): number {
  return specs.filter((s) => s.trainable || !trainableOnly).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** Random initialisation (Kaiming-normal for weights as DTRB; LSTM U(−1/√H, 1/√H) as PyTorch). */
export function initParams(specs: readonly ParamSpec[], seed = 1): Params {
  const out: Params = new Map();
  let s = seed;
  for (const spec of specs) {
    const t = tf.tidy(() => {
      switch (spec.init) {
        case 'zeros':
          return tf.zeros(spec.shape);
        case 'ones':
          return tf.ones(spec.shape);
        case 'he': {
          // A depthwise filter [kh, kw, C, 1] sees kh·kw inputs per output, not kh·kw·C.
          const depthwise = spec.shape.length === 4 && spec.torchLayout === 'depthwise';
          const fanIn = spec.shape.length === 4 ? spec.shape[0]! * spec.shape[1]! * (depthwise ? 1 : spec.shape[2]!) : spec.shape[0]!;
          return tf.randomNormal(spec.shape, 0, Math.sqrt(2 / Math.max(1, fanIn)), 'float32', s++);
        }
        case 'gaspin_fc2':
          return tf.tensor(gaspinInitialBias(spec.shape[0]!), spec.shape);
        case 'rare_fiducials':
          return tf.tensor(rareInitialFiducials(spec.shape[0]! / 2), spec.shape);
        case 'uniform_lstm': {
          const h = spec.shape[0]! / 4; // GRU weights ([3H, n]) get a slightly narrower range: random init only
          const k = 1 / Math.sqrt(h);
          return tf.randomUniform(spec.shape, -k, k, 'float32', s++);
        }
      }
    });
    out.set(spec.name, t);
  }
  return out;
}

export function getParam(params: Params, name: string): Tensor {
  const t = params.get(name);
  if (t === undefined) throw new Error(`missing parameter '${name}'`);
  return t;
}
