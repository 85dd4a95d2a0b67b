/** Kernel and gradient configs of spinColor's fused power sum, listed in ../registry.ts. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GradConfig, KernelConfig, NamedAttrMap, Tensor, TensorInfo } from '../../runtime/tf.ts';
import { tf } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, writeF32, type InputReader, input } from '../backend_io.ts';
import { runFlatProgram } from '../webgpu_program.ts';
import { simdFor, type SimdHeap } from '../simd/simd.ts';
import { SPIN_POWER_SUM, SPIN_POWER_SUM_GRAD_I, SPIN_POWER_SUM_GRAD_W } from './spin_color.ts';
import { spinPowerSumForward, spinPowerSumGradI, spinPowerSumGradWeights } from './reference.ts';
import commonWgsl from '../../../shaders/spin_color_common.wgsl?raw';
import forwardWgsl from '../../../shaders/spin_power_sum.wgsl?raw';
import gradIWgsl from '../../../shaders/spin_power_sum_grad_i.wgsl?raw';
import gradWWgsl from '../../../shaders/spin_power_sum_grad_w.wgsl?raw';

function betasOf(a: NamedAttrMap | undefined): number[] {
  const b = a?.['betas'];
  if (!Array.isArray(b) || b.length === 0 || !b.every((v) => typeof v === 'number')) {
    throw new Error('spinColor kernel: missing attribute betas');
  }
  return b;
}

function f32Literal(v: number): string {
  return `${String(v)}f`;
}

/** WGSL constants NB and BETAS for a β list, followed by the shared helpers. The list is in the shader
 *  key, so each K compiles once. */
function prelude(betas: readonly number[]): string {
  const n = betas.length;
  return [
    `const NB : i32 = ${n};`,
    `var<private> BETAS : array<f32, ${n}> = array<f32, ${n}>(${betas.map(f32Literal).join(', ')});`,
    commonWgsl,
  ].join('\n');
}

function key(base: string, betas: readonly number[]): string {
  return `${base}_${betas.join('_')}`;
}

const webgpuKernels: KernelConfig[] = [
  {
    kernelName: SPIN_POWER_SUM,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const betas = betasOf(attrs);
      const ins = ['x', 'offsets', 'gate', 'weights'].map((n) => input(inputs, n));
      return runFlatProgram(
        backend as WebGPUBackend,
        {
          shaderKey: key('webstr_spin_power_sum', betas),
          prelude: prelude(betas),
          source: forwardWgsl,
          variableNames: ['x', 'offsets', 'gate', 'weights'],
          outputShape: ins[0]!.shape,
        },
        ins,
        'float32',
      );
    },
  },
  {
    kernelName: SPIN_POWER_SUM_GRAD_I,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const betas = betasOf(attrs);
      const names = ['dy', 'x', 'offsets', 'gate', 'weights'];
      const ins = names.map((n) => input(inputs, n));
      return runFlatProgram(
        backend as WebGPUBackend,
        {
          shaderKey: key('webstr_spin_power_sum_grad_i', betas),
          prelude: prelude(betas),
          source: gradIWgsl,
          variableNames: names,
          outputShape: ins[1]!.shape,
        },
        ins,
        'float32',
      );
    },
  },
  {
    kernelName: SPIN_POWER_SUM_GRAD_W,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const betas = betasOf(attrs);
      const names = ['dy', 'x', 'offsets', 'gate'];
      const ins = names.map((n) => input(inputs, n));
      return runFlatProgram(
        backend as WebGPUBackend,
        {
          shaderKey: key('webstr_spin_power_sum_grad_w', betas),
          prelude: prelude(betas),
          source: gradWWgsl,
          variableNames: names,
          outputShape: [ins[3]!.shape[0]!, betas.length],
        },
        ins,
        'float32',
      );
    },
  },
];

/** The wasm forward in the SIMD module (float32 log/exp, within 5e−6 of the TypeScript twin's float64). */
function powerSumSimd(simd: SimdHeap, backend: BackendWasm, ins: TensorInfo[], betas: number[]): TensorInfo {
  const [x, offsets, gate, weights] = ins as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const images = gate.shape.reduce((a, b) => a * b, 1);
  const size = x.shape.reduce((a, b) => a * b, 1);
  const y = backend.makeOutput(x.shape, 'float32');
  const b = simd.malloc(betas.length);
  try {
    simd.f32().set(betas, b / 4);
    simd.spinPowerSum(images, size / images, simd.offset(x), simd.offset(offsets), simd.offset(gate), simd.offset(weights), b, betas.length, simd.offset(y));
  } finally {
    simd.free(b);
  }
  return y;
}

const softwareKernels: KernelConfig[] = SOFTWARE_BACKENDS.flatMap((name): KernelConfig[] => {
  const views = (read: InputReader, inputs: Record<string, TensorInfo | undefined>, names: string[]): Float32Array[] =>
    names.map((n) => read.f32(input(inputs, n)));
  return [
    {
      kernelName: SPIN_POWER_SUM,
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const simd = simdFor(backend, name);
        const ins = ['x', 'offsets', 'gate', 'weights'].map((n) => input(inputs, n));
        if (simd !== null && ins.every((t) => t.dtype === 'float32')) return powerSumSimd(simd, backend as BackendWasm, ins, betasOf(attrs));
        return writeF32(backend, name, input(inputs, 'x').shape, (out, read) => {
          const [x, offsets, gate, weights] = views(read, inputs, ['x', 'offsets', 'gate', 'weights']) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          spinPowerSumForward(x, offsets, gate, weights, betasOf(attrs), out);
        });
      },
    },
    {
      kernelName: SPIN_POWER_SUM_GRAD_I,
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) => {
        return writeF32(backend, name, input(inputs, 'x').shape, (out, read) => {
          const [dy, x, offsets, gate, weights] = views(read, inputs, ['dy', 'x', 'offsets', 'gate', 'weights']) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          spinPowerSumGradI(dy, x, offsets, gate, weights, betasOf(attrs), out);
        });
      },
    },
    {
      kernelName: SPIN_POWER_SUM_GRAD_W,
      backendName: name,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const betas = betasOf(attrs);
        const images = input(inputs, 'gate').shape.reduce((a, b) => a * b, 1);
        return writeF32(backend, name, [images, betas.length], (out, read) => {
          const [dy, x, offsets, gate] = views(read, inputs, ['dy', 'x', 'offsets', 'gate']) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          spinPowerSumGradWeights(dy, x, offsets, gate, betas, out);
        });
      },
    },
  ];
});

export const spinColorKernels: KernelConfig[] = [...webgpuKernels, ...softwareKernels];

export const spinPowerSumGrad: GradConfig = {
  kernelName: SPIN_POWER_SUM,
  inputsToSave: ['x', 'offsets', 'gate', 'weights'],
  gradFunc: (dy, saved, attrs) => {
    const [x, offsets, gate, weights] = saved as [Tensor, Tensor, Tensor, Tensor];
    const betas = { betas: betasOf(attrs) };
    const g = dy as Tensor;
    // dS/dI once; the blend I = (1 − λ)(x + 1)/2 + λ·offsets is differentiated with tfjs ops.
    const dI = tf.engine().runKernel<Tensor>(SPIN_POWER_SUM_GRAD_I, { dy: g, x, offsets, gate, weights }, betas);
    const lam = gate.reshape([-1, 1, 1, 1]);
    return {
      x: () => dI.mul(tf.sub(1, lam)).mul(0.5),
      offsets: () => dI.mul(lam),
      gate: () => dI.mul(offsets.sub(x.add(1).mul(0.5))).sum([1, 2, 3]),
      weights: () => tf.engine().runKernel<Tensor>(SPIN_POWER_SUM_GRAD_W, { dy: g, x, offsets, gate }, betas),
    };
  },
};
