/**
 * Builds tfjs-backend-webgpu programs from the WGSL kernel bodies in `shaders/`.
 *
 * A kernel body defines `fn main(index : i32)` (flat over the output) and reads its inputs through
 * the accessors tfjs generates from `variableNames`; extra scalar parameters are declared here as
 * WGSL uniforms and passed per call. Pipelines are cached by tfjs under `shaderKey` plus the
 * input/output ranks and dtypes, so the same body is compiled once per shape rank, not per call.
 */
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { DataType, TensorInfo } from '../runtime/tf.ts';
import { assertDeviceAlive } from '../runtime/backend.ts';

export interface UniformSpec {
  /** WGSL name as read in the shader (`uniforms.<name>`). */
  name: string;
  type: 'f32' | 'i32' | 'u32';
}

export interface FlatProgramSpec {
  /** Unique per kernel body (and per compile-time variant of it). */
  shaderKey: string;
  /** The WGSL kernel body. */
  source: string;
  /** Input names, in the order the inputs are passed; the accessors are `get<Name>ByOutputIndex` etc. */
  variableNames: string[];
  outputShape: number[];
  uniforms?: UniformSpec[];
  workgroupSize?: number;
  /** Invocations to dispatch, when not one per output element (e.g. one per sample for a recursion
   *  that writes its whole slice of the output); `main` gets indices 0 … invocations − 1 (and beyond,
   *  up to the workgroup size: guard). */
  invocations?: number;
  /** WGSL prepended to `source` (shared helpers, compile-time constants); part of the program text. */
  prelude?: string;
}

/** tfjs's names for the uniform types (it packs the uniform buffer by these; a WGSL name would be
 *  written as float32 bits). */
const TFJS_UNIFORM_TYPE = { f32: 'float32', i32: 'int32', u32: 'uint32' } as const;

export function flatProgram(spec: FlatProgramSpec): WebGPUProgram {
  const workgroupSize: [number, number, number] = [spec.workgroupSize ?? 64, 1, 1];
  const dispatchLayout = webgpu_util.flatDispatchLayout(spec.outputShape);
  const source = spec.prelude === undefined ? spec.source : `${spec.prelude}\n${spec.source}`;
  const program: WebGPUProgram = {
    shaderKey: spec.shaderKey,
    variableNames: spec.variableNames,
    outputShape: spec.outputShape,
    workgroupSize,
    dispatchLayout,
    dispatch:
      spec.invocations === undefined
        ? webgpu_util.computeDispatch(dispatchLayout, spec.outputShape, workgroupSize)
        : webgpu_util.computeDispatch({ x: [0] }, [spec.invocations], workgroupSize),
    size: true,
    getUserCode: () => source,
  };
  if (spec.uniforms !== undefined && spec.uniforms.length > 0) {
    program.uniforms = spec.uniforms.map((u) => `${u.name} : ${u.type},`).join(' ');
  }
  return program;
}

/** Runs a program on the webgpu backend; `uniformValues` follow `spec.uniforms` in order. */
export function runFlatProgram(
  backend: WebGPUBackend,
  spec: FlatProgramSpec,
  inputs: TensorInfo[],
  dtype: DataType,
  uniformValues: number[] = [],
): TensorInfo {
  assertDeviceAlive();
  const program = flatProgram(spec);
  const uniforms = (spec.uniforms ?? []).map((u, i) => ({ type: TFJS_UNIFORM_TYPE[u.type], data: [uniformValues[i] ?? 0] }));
  return backend.runWebGPUProgram(program, inputs, dtype, uniforms);
}
