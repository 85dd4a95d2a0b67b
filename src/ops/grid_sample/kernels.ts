/** Kernel and gradient configs of gridSample, listed in ../registry.ts. */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GradConfig, KernelConfig, NamedAttrMap, Tensor } from '../../runtime/tf.ts';
import { tf } from '../../runtime/tf.ts';
import { SOFTWARE_BACKENDS, writeF32, input } from '../backend_io.ts';
import { runFlatProgram, type UniformSpec } from '../webgpu_program.ts';
import { GRID_SAMPLE, GRID_SAMPLE_GRAD_GRID, GRID_SAMPLE_GRAD_IMAGE } from './grid_sample.ts';
import { gridSampleForward, gridSampleGradGrid, gridSampleGradImage, type Dims, type GridSampleAttrs } from './reference.ts';
import commonWgsl from '../../../shaders/grid_sample_common.wgsl?raw';
import forwardWgsl from '../../../shaders/grid_sample.wgsl?raw';
import gradImageWgsl from '../../../shaders/grid_sample_grad_image.wgsl?raw';
import gradGridWgsl from '../../../shaders/grid_sample_grad_grid.wgsl?raw';
import tapWgsl from '../../../shaders/grid_sample_tap.wgsl?raw';

function attrsOf(a: NamedAttrMap | undefined): GridSampleAttrs {
  return { alignCorners: a?.['alignCorners'] === true, padding: a?.['padding'] === 'zeros' ? 'zeros' : 'border' };
}

function imageShapeOf(a: NamedAttrMap | undefined): number[] {
  const s = a?.['imageShape'];
  if (!Array.isArray(s) || s.length !== 4) throw new Error('gridSample gradient: missing attribute imageShape');
  return s as number[];
}

/** Dims from the image shape [B, H, W, C] and the grid shape [B, Ho, Wo, 2]. */
function dimsOf(imageShape: readonly number[], gridShape: readonly number[]): Dims {
  const [B, H, W, C] = imageShape as [number, number, number, number];
  return { B, H, W, C, Ho: gridShape[1]!, Wo: gridShape[2]! };
}

const MODE_UNIFORMS: UniformSpec[] = [
  { name: 'alignCorners', type: 'i32' },
  { name: 'border', type: 'i32' },
];

function modeValues(a: GridSampleAttrs): number[] {
  return [a.alignCorners ? 1 : 0, a.padding === 'border' ? 1 : 0];
}

const webgpuKernels: KernelConfig[] = [
  {
    kernelName: GRID_SAMPLE,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const image = input(inputs, 'image');
      const grid = input(inputs, 'grid');
      const d = dimsOf(image.shape, grid.shape);
      return runFlatProgram(
        backend as WebGPUBackend,
        {
          shaderKey: 'webstr_grid_sample',
          prelude: `${commonWgsl}\n${tapWgsl}`,
          source: forwardWgsl,
          variableNames: ['image', 'grid'],
          outputShape: [d.B, d.Ho, d.Wo, d.C],
          uniforms: MODE_UNIFORMS,
        },
        [image, grid],
        'float32',
        modeValues(attrsOf(attrs)),
      );
    },
  },
  {
    kernelName: GRID_SAMPLE_GRAD_GRID,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const image = input(inputs, 'image');
      const grid = input(inputs, 'grid');
      const d = dimsOf(image.shape, grid.shape);
      const threads = d.B * d.Ho * d.Wo;
      return runFlatProgram(
        backend as WebGPUBackend,
        {
          shaderKey: 'webstr_grid_sample_grad_grid',
          prelude: `${commonWgsl}\n${tapWgsl}`,
          source: gradGridWgsl,
          variableNames: ['dy', 'image', 'grid'],
          outputShape: grid.shape,
          uniforms: [...MODE_UNIFORMS, { name: 'threads', type: 'i32' }],
          invocations: threads,
        },
        [dy, image, grid],
        'float32',
        [...modeValues(attrsOf(attrs)), threads],
      );
    },
  },
  {
    kernelName: GRID_SAMPLE_GRAD_IMAGE,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const grid = input(inputs, 'grid');
      const imageShape = imageShapeOf(attrs);
      const d = dimsOf(imageShape, grid.shape);
      const threads = d.B * d.H * d.C;
      return runFlatProgram(
        backend as WebGPUBackend,
        {
          shaderKey: 'webstr_grid_sample_grad_image',
          prelude: commonWgsl,
          source: gradImageWgsl,
          variableNames: ['dy', 'grid'],
          outputShape: imageShape,
          uniforms: [
            ...MODE_UNIFORMS,
            { name: 'imageH', type: 'i32' },
            { name: 'imageW', type: 'i32' },
            { name: 'threads', type: 'i32' },
          ],
          invocations: threads,
        },
        [dy, grid],
        'float32',
        [...modeValues(attrsOf(attrs)), d.H, d.W, threads],
      );
    },
  },
];

const softwareKernels: KernelConfig[] = SOFTWARE_BACKENDS.flatMap((name): KernelConfig[] => [
  {
    kernelName: GRID_SAMPLE,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const image = input(inputs, 'image');
      const grid = input(inputs, 'grid');
      const d = dimsOf(image.shape, grid.shape);
      return writeF32(backend, name, [d.B, d.Ho, d.Wo, d.C], (out, read) =>
        gridSampleForward(read.f32(image), read.f32(grid), d, attrsOf(attrs), out),
      );
    },
  },
  {
    kernelName: GRID_SAMPLE_GRAD_GRID,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const image = input(inputs, 'image');
      const grid = input(inputs, 'grid');
      const d = dimsOf(image.shape, grid.shape);
      return writeF32(backend, name, grid.shape, (out, read) =>
        gridSampleGradGrid(read.f32(dy), read.f32(image), read.f32(grid), d, attrsOf(attrs), out),
      );
    },
  },
  {
    kernelName: GRID_SAMPLE_GRAD_IMAGE,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = input(inputs, 'dy');
      const grid = input(inputs, 'grid');
      const imageShape = imageShapeOf(attrs);
      const d = dimsOf(imageShape, grid.shape);
      return writeF32(backend, name, imageShape, (out, read) =>
        gridSampleGradImage(read.f32(dy), read.f32(grid), d, attrsOf(attrs), out),
      );
    },
  },
]);

export const gridSampleKernels: KernelConfig[] = [...webgpuKernels, ...softwareKernels];

export const gridSampleGrad: GradConfig = {
  kernelName: GRID_SAMPLE,
  inputsToSave: ['image', 'grid'],
  gradFunc: (dy, saved, attrs) => {
    const [image, grid] = saved as [Tensor, Tensor];
    const mode = attrsOf(attrs);
    return {
      image: () =>
        tf.engine().runKernel<Tensor>(GRID_SAMPLE_GRAD_IMAGE, { dy: dy as Tensor, grid }, { ...mode, imageShape: image.shape }),
      grid: () => tf.engine().runKernel<Tensor>(GRID_SAMPLE_GRAD_GRID, { dy: dy as Tensor, image, grid }, { ...mode }),
    };
  },
};
