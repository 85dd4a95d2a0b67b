/**
 * The wasm kernels with their tensors above 2 GiB of the wasm heap (wasm32 addresses up to 4 GiB; a
 * batch-32 training step of a MobileNetV3-large CRNN grows the heap past 2 GiB). Byte offsets there do not
 * fit a signed 32-bit integer: `offset >> 2` turns negative, and a negative index given to copyWithin counts
 * from the end of the heap. The depthwise filter gradient did exactly that and overwrote allocator headers
 * (training aborted with "memory access out of bounds" while freeing tensors). Each case runs on cpu and
 * on wasm with its inputs placed above 2 GiB, and must agree. Its own file: the heap never shrinks, and
 * vitest gives each file its own process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor, type TensorInfo } from '../runtime/tf.ts';
import { initBackend } from '../runtime/backend.ts';
import { registerAllKernels } from './registry.ts';
import { hardSwish } from './hard_swish/hard_swish.ts';
import { biLstmSequence } from './bilstm/bilstm.ts';

const TWO_GIB = 2 ** 31;
/** Tensors kept alive so that every later allocation lands above 2 GiB. */
const held: TensorInfo[] = [];

function wasm(): BackendWasm {
  return tf.findBackend('wasm') as BackendWasm;
}

function offsetOf(t: Tensor): number {
  return wasm().dataIdMap.get(t.dataId).memoryOffset;
}

/** Fills the heap below 2 GiB (one block that pushes the break past it, then whatever low holes remain). */
function fillLowHeap(): void {
  const b = wasm();
  held.push(b.makeOutput([TWO_GIB / 4], 'float32'));
  for (let i = 0; i < 4096; i++) {
    const t = b.makeOutput([16 * 1024], 'float32'); // 64 KiB
    held.push(t);
    if (b.dataIdMap.get(t.dataId).memoryOffset >= TWO_GIB) {
      // Then the holes below 2 GiB smaller than 64 KiB: 1 KiB pieces until one lands high too.
      for (let j = 0; j < 65536; j++) {
        const s = b.makeOutput([256], 'float32');
        held.push(s);
        if (b.dataIdMap.get(s.dataId).memoryOffset >= TWO_GIB) return;
      }
      return;
    }
  }
}

/** Runs `f` on cpu and on wasm (inputs made from the same values) and returns both outputs' values. */
async function onBoth(inputs: { shape: number[]; seed: number }[], f: (xs: Tensor[]) => Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[]; offsets: number[] }> {
  const values = inputs.map(({ shape, seed }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      v[i] = (s / 2 ** 31) * 4 - 2;
    }
    return v;
  });
  const run = (): { out: Float32Array[]; offsets: number[] } => {
    const xs = inputs.map(({ shape }, i) => tf.tensor(values[i]!, shape));
    const offsets = tf.getBackend() === 'wasm' ? xs.map(offsetOf) : [];
    const ys = f(xs);
    const out = ys.map((y) => y.dataSync() as Float32Array);
    tf.dispose([...xs, ...ys]);
    return { out, offsets };
  };
  await tf.setBackend('cpu');
  const cpu = run().out;
  await tf.setBackend('wasm');
  const w = run();
  return { cpu, wasm: w.out, offsets: w.offsets };
}

function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  expect(a.length).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    const [x, y] = [a[k]!, b[k]!];
    expect(x.length).toBe(y.length);
    let worst = 0;
    let scale = 1e-6;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      scale = Math.max(scale, Math.abs(y[i]!));
    }
    expect(worst / scale, `output ${k}`).toBeLessThan(tol);
  }
}

describe('wasm kernels above 2 GiB of heap', () => {
  beforeAll(async () => {
    registerAllKernels();
    await initBackend('wasm');
    await tf.setBackend('wasm');
    fillLowHeap();
  });

  afterAll(async () => {
    await tf.setBackend('wasm');
    for (const t of held.splice(0)) wasm().disposeData(t.dataId);
  });

  it('the test really places tensors above 2 GiB', async () => {
    const r = await onBoth([{ shape: [4, 4], seed: 1 }], ([x]) => [tf.add(x!, 1)]);
    expect(r.offsets[0]).toBeGreaterThanOrEqual(TWO_GIB);
  });

  it.each([
    // [B, H, W, C], kernel, strides: the shapes of MobileNetV3 blocks (5×5 and 3×3 taps, (2, 1) strides)
    [[2, 8, 50, 40], 5, [2, 1]],
    [[4, 4, 25, 120], 3, [1, 1]],
    [[1, 6, 9, 8], 3, [2, 2]],
  ] as const)('depthwise conv gradients: x %j, kernel %i, strides %j', async (shape, k, strides) => {
    const c = shape[3];
    const r = await onBoth(
      [
        { shape: [...shape], seed: 3 },
        { shape: [k, k, c, 1], seed: 4 },
      ],
      ([x, w]) => {
        const f = (a: Tensor, b: Tensor): Tensor => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, [...strides], 'same');
        const dy = tf.tidy(() => tf.sin(tf.range(0, f(x!, w!).size).reshape(f(x!, w!).shape)));
        const g = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(f(a, b), dy)))([x!, w!]);
        dy.dispose();
        return g;
      },
    );
    expect(Math.min(...r.offsets)).toBeGreaterThanOrEqual(TWO_GIB);
    expectClose(r.wasm, r.cpu, 1e-4);
  });

  it('conv2d gradients, matMul with transposes, leading-axis sums, hard-swish and its gradient', async () => {
    const r = await onBoth(
      [
        { shape: [2, 8, 20, 16], seed: 5 },
        { shape: [3, 3, 16, 24], seed: 6 },
        { shape: [64, 48], seed: 7 },
        { shape: [64, 40], seed: 8 },
      ],
      ([x, w, a, b]) => {
        const f = (u: Tensor, v: Tensor): Tensor => hardSwish(tf.conv2d(u as tf.Tensor4D, v as tf.Tensor4D, [2, 1], 'same'));
        const [dx, dw] = tf.grads((u: Tensor, v: Tensor) => tf.sum(tf.square(f(u, v))))([x!, w!]);
        return [dx!, dw!, tf.matMul(a!, b!, true, false), tf.mean(x!, [0, 1, 2]), tf.sum(x!, [1, 2])];
      },
    );
    expect(Math.min(...r.offsets)).toBeGreaterThanOrEqual(TWO_GIB);
    expectClose(r.wasm, r.cpu, 1e-4);
  });

  it('the fused BiLSTM sequence and its gradients', async () => {
    const [t, b, h] = [12, 4, 16];
    const r = await onBoth(
      [
        { shape: [t, b, 8 * h], seed: 9 },
        { shape: [2 * h, 8 * h], seed: 10 },
      ],
      ([proj, wRec]) => {
        const scaled = tf.mul(wRec!, 0.1);
        const f = (p: Tensor, w: Tensor): Tensor => tf.sum(tf.square(biLstmSequence(p, w, h)));
        const [dp, dw] = tf.grads(f)([proj!, scaled]);
        const y = biLstmSequence(proj!, scaled, h);
        scaled.dispose();
        return [y, dp!, dw!];
      },
    );
    expect(Math.min(...r.offsets)).toBeGreaterThanOrEqual(TWO_GIB);
    expectClose(r.wasm, r.cpu, 1e-4);
  });
});
