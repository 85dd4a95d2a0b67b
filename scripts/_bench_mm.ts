import { tf } from '../src/runtime/tf.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { simdFor } from '../src/ops/simd/simd.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
registerAllKernels();
await initBackend('wasm');
const simd = simdFor(tf.backend(), 'wasm')!;
const be = tf.backend() as BackendWasm;
const time = (f: () => void): number => { f(); const ts: number[] = []; for (let i = 0; i < 9; i++) { const a = performance.now(); f(); ts.push(performance.now() - a); } return Math.min(...ts); };
for (const [N, K, Co] of [[6400, 48, 288], [6400, 288, 48], [12800, 24, 120], [12800, 120, 24], [25600, 16, 48], [51200, 27, 8]] as [number, number, number][]) {
  const x = tf.randomNormal([N, K]); const dy = tf.randomNormal([N, Co]);
  const xT = tf.transpose(x); const dyT = tf.transpose(dy);
  const out = be.makeOutput([K, Co], 'float32');
  const r = {
    direct: time(() => tf.tidy(() => { tf.matMul(xT, dy); })),
    swapped: time(() => tf.tidy(() => { tf.matMul(dyT, x); })),
    wrapperTA: time(() => tf.tidy(() => { tf.matMul(x, dy, true, false); })),
    trX: time(() => tf.tidy(() => { tf.transpose(x); })),
    simdTn: time(() => { (be.typedArrayFromHeap(out) as Float32Array).fill(0); simd.tn(K, Co, N, simd.offset(x), K, simd.offset(dy), Co, simd.offset(out), Co); }),
  };
  console.log(`N ${N} K ${K} Cout ${Co}: ` + Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '));
  tf.dispose([x, dy, xT, dyT]);
}
