/** The wasm kernel of mv3Unit (listed in ../registry.ts); the SIMD module does the work. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from '../../runtime/tf.ts';
import { InvalidArgumentError } from '../../runtime/errors.ts';
import { depthwiseRowsEnabled } from '../depthwise_act/depthwise_act.ts';
import { simdFor } from '../simd/simd.ts';
import { onHeap } from '../simd/host_gemm.ts';
import { MV3_UNIT } from './mv3_unit.ts';

interface Attrs {
  act: number;
  stride: [number, number];
  pad: [number, number];
  out: [number, number];
  residual: boolean;
  slope: number;
}

export const mv3UnitKernels: KernelConfig[] = [
  {
    kernelName: MV3_UNIT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const t = inputs as Record<string, TensorInfo | undefined>;
      const a = attrs as unknown as Attrs;
      const simd = simdFor(backend, 'wasm');
      if (simd === null) throw new InvalidArgumentError('mv3Unit: the wasm SIMD module is not available here');
      const [x, we, be, wd, bd, wl, bl] = [t.x!, t.we!, t.be!, t.wd!, t.bd!, t.wl!, t.bl!];
      const [b, h, w, cin] = x.shape as [number, number, number, number];
      const [e, cout, k] = [be.shape[0]!, bl.shape[0]!, wd.shape[0]!];
      const [oh, ow] = a.out;
      const m = t.b1?.shape[0] ?? 0;
      const y = (backend as BackendWasm).makeOutput([b, oh, ow, cout], 'float32');
      const at = (v: TensorInfo | undefined): number => (v === undefined ? 0 : simd.offset(v));
      onHeap(simd, b * h * w * e + b * oh * ow * e + e + m, ({ scratch }) =>
        simd.mv3Unit(b, h, w, cin, e, cout, k, a.stride[0], a.stride[1], a.pad[0], a.pad[1], oh, ow, at(x), at(we), at(be), at(wd), at(bd), a.act,
          m, at(t.w1), at(t.b1), at(t.w2), at(t.b2), a.slope, at(wl), at(bl), a.residual ? 1 : 0, at(y), 4 * scratch.o, depthwiseRowsEnabled() ? 1 : 0),
      );
      return y;
    },
  },
];
