// scratch: per-kernel ms by shape within training steps, with a switch off and on
import { tf } from '../src/runtime/tf.ts';
import { initBackend } from '../src/runtime/backend.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { getPreset } from '../src/models/presets.ts';
import { trainStep } from './lib/train_throughput.ts';
import { setWasmMatMulSimdTranspose } from '../src/ops/tfjs_patches/wasm_matmul.ts';
registerAllKernels();
await initBackend('wasm');
const names = (process.argv[2] ?? 'Conv2DBackpropFilter').split(',');
const times = new Map<string, number[]>();
let on = true;
for (const name of names) {
  const k = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...k, kernelFunc: (args) => {
    const t0 = performance.now();
    const r = k.kernelFunc(args);
    const key = `${on ? 'on ' : 'off'} ${name} ${Object.values(args.inputs).map((t) => JSON.stringify(t!.shape)).join(' ')}`;
    const a = times.get(key) ?? []; a.push(performance.now() - t0); times.set(key, a);
    return r;
  } });
}
const x = tf.randomUniform([64, 32, 100, 3], -1, 1, 'float32', 2);
const { step, dispose } = trainStep(getPreset('crnn-mv3-en'), x);
await step();
times.clear();
for (let r = 0; r < 3; r++) for (const o of [false, true]) { on = o; setWasmMatMulSimdTranspose(o); await step(); }
dispose();
const rows = [...times.entries()].map(([k, v]) => [k, Math.min(...v) * (v.length / 3)] as const).sort((a, b) => (a[0].slice(4) < b[0].slice(4) ? -1 : 1));
let tot = { on: 0, off: 0 };
for (const [k, v] of rows) { console.log(k, v.toFixed(2)); tot[k.startsWith('on') ? 'on' : 'off'] += v; }
console.log('total min-per-step ms', tot);
