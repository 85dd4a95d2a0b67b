/**
 * `npm run perf -- ops`: ms per call of the custom ops at a training-sized batch: batch 64, 1×32×100
 * (the RARE/SPIN input), on every backend that starts here, in one run. Forward is the op alone;
 * fwd+bwd is `tf.grads` of Σ op·dy with respect to every differentiable input (what a training step
 * pays); backward (derived) is the difference of the two. Each call reads its outputs back, so GPU work is included. Ratios are against wasm.
 * Also the depthwise gradients (dx and dW kernels, no forward) of two crnn-mv3-en layers at batch 8
 * (3×32×100 input); on wasm also with the JS loops they replaced (`setWasmDepthwiseGradFastPath(false)`).
 * And the fused recurrent kernels at inference beside the per-step tf ops they replace, on every backend
 * (batch 8, 26 frames, DTRB sizes): one BiLSTM layer (H 256 over 512 features) and the 26-step greedy
 * attention decoder (LSTM cell, H 256, D 256, 38 classes); `--only NAME[,NAME]` keeps the ops whose
 * name contains one of them (`--only BiLSTM,attention`).
 */
import { parseArgs } from 'node:util';
import { tf, type Tensor } from '../../src/runtime/tf.ts';
import { type BackendName } from '../../src/runtime/backend.ts';
import { setFlags } from '../../src/runtime/flags.ts';
import { startEngineWith } from '../../src/ops/engine.ts';
import { setWasmDepthwiseGradFastPath } from '../../src/ops/tfjs_patches/grad_kernels/kernels.ts';
import { gridSample } from '../../src/ops/grid_sample/grid_sample.ts';
import { spinColor } from '../../src/ops/spin_color/spin_color.ts';
import { rareInitialFiducials, tpsGrid } from '../../src/ops/tps/tps.ts';
import { loadNodeGpu } from '../../src/runtime/node_gpu.ts';
import { printTable, timeIt, type PerfContext } from './common.ts';
import { BiLstm } from '../../src/models/sequence/bilstm.ts';
import { AttentionHead } from '../../src/models/heads/attention.ts';
import { initParams } from '../../src/models/params.ts';
import { setBiLstmKernelEnabled } from '../../src/ops/bilstm/bilstm.ts';
import { setAttentionDecodeEnabled } from '../../src/ops/attention_decode/attention_decode.ts';

const [B, H, W, C] = [64, 32, 100, 1];

interface Case {
  op: string;
  direction: string;
  run: () => Tensor[];
}

function cases(): { cases: Case[]; dispose: () => void } {
  const image = tf.randomUniform([B, H, W, C], -1, 1, 'float32', 1);
  // The RARE initial TPS grid with some jitter, as the localisation net would predict.
  const fid = tf.tensor3d(rareInitialFiducials(), [1, 20, 2]).tile([B, 1, 1]).add(tf.randomNormal([B, 20, 2], 0, 0.05, 'float32', 2));
  const grid = tpsGrid(fid, H, W);
  const dyImage = tf.randomNormal([B, H, W, C], 0, 1, 'float32', 3);
  const weights = tf.randomNormal([B, 13], 0, 1, 'float32', 4);
  const offsets = tf.randomUniform([B, H, W, C], 0, 1, 'float32', 5);
  const gate = tf.randomUniform([B], 0, 1, 'float32', 6);
  const opts = { alignCorners: true, padding: 'border' } as const;
  const gsGrads = tf.grads((im: Tensor, g: Tensor) => gridSample(im, g, opts).mul(dyImage).sum());
  const spinGrads = tf.grads((x: Tensor, w: Tensor, o: Tensor, g: Tensor) => spinColor(x, w, { offsets: o, gate: g }).mul(dyImage).sum());
  const list: Case[] = [
    { op: 'gridSample', direction: 'forward', run: () => [gridSample(image, grid, opts)] },
    { op: 'gridSample', direction: 'fwd+bwd', run: () => gsGrads([image, grid]) },
    { op: 'spinColor', direction: 'forward', run: () => [spinColor(image, weights, { offsets, gate })] },
    { op: 'spinColor', direction: 'fwd+bwd', run: () => spinGrads([image, weights, offsets, gate]) },
    { op: 'tpsGrid', direction: 'forward', run: () => [tpsGrid(fid, H, W)] },
  ];
  // Depthwise gradients of crnn-mv3-en layers (batch 8): the kernels alone, as a training step calls them.
  const dwTensors: Tensor[] = [];
  for (const [h, w, c, k] of [
    [16, 50, 40, 3],
    [4, 50, 144, 5],
  ] as const) {
    const x = tf.randomUniform([8, h, w, c], -1, 1, 'float32', 7);
    const f = tf.randomUniform([k, k, c, 1], -1, 1, 'float32', 8);
    const dy = tf.randomUniform([8, h, w, c], -1, 1, 'float32', 9);
    dwTensors.push(x, f, dy);
    const attrs = { strides: [1, 1], pad: (k - 1) / 2, dilations: [1, 1] };
    const run = (): Tensor[] => [
      tf.engine().runKernel<Tensor>('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape }),
      tf.engine().runKernel<Tensor>('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape }),
    ];
    const op = `depthwise grads [8,${h},${w},${c}] ${k}×${k}`;
    list.push({ op, direction: 'dx + dW', run });
    if (tf.getBackend() === 'wasm') {
      list.push({
        op,
        direction: 'dx + dW, JS loops (before)',
        run: () => {
          setWasmDepthwiseGradFastPath(false);
          try {
            return run();
          } finally {
            setWasmDepthwiseGradFastPath(true);
          }
        },
      });
    }
  }
  const recurrent = recurrentCases();
  list.push(...recurrent.cases);
  return {
    cases: list,
    dispose: () => {
      tf.dispose([image, fid, grid, dyImage, weights, offsets, gate, ...dwTensors]);
      recurrent.dispose();
    },
  };
}

/** Runs `f` with a fused path switched off, then on again. */
function unfused(off: (on: boolean) => void, f: () => Tensor): Tensor {
  off(false);
  try {
    return f();
  } finally {
    off(true);
  }
}

/** The fused recurrent kernels at inference beside the per-step tf ops (their off switches). */
function recurrentCases(): { cases: Case[]; dispose: () => void } {
  const [T, RB] = [26, 8];
  const lstm = new BiLstm({ kind: 'bilstm', layers: [{ hidden: 256 }], naming: 'dtrb' }, 512);
  const lstmParams = initParams(lstm.specs, 1);
  const lstmStage = lstm.compile(lstmParams);
  const head = new AttentionHead({ kind: 'attention', cell: 'lstm', hidden: 256, steps: 26, naming: 'dtrb', labels: 'go-eos' }, 256, 38);
  const headParams = initParams(head.specs, 2);
  const headStage = head.compile(headParams);
  const xLstm = tf.randomUniform([T, RB, 512], -1, 1, 'float32', 10);
  const xHead = tf.randomUniform([T, RB, 256], -1, 1, 'float32', 11);
  const lstmOp = `BiLSTM layer [${T},${RB},512] H256`;
  const headOp = `attention decode B${RB} T${T} H256 26 steps`;
  return {
    cases: [
      { op: lstmOp, direction: 'inference, per-step ops', run: () => [unfused(setBiLstmKernelEnabled, () => lstmStage.apply(xLstm))] },
      { op: lstmOp, direction: 'inference, fused', run: () => [lstmStage.apply(xLstm)] },
      { op: headOp, direction: 'inference, per-step ops', run: () => [unfused(setAttentionDecodeEnabled, () => headStage.apply(xHead))] },
      { op: headOp, direction: 'inference, fused', run: () => [headStage.apply(xHead)] },
    ],
    dispose: () => {
      lstmStage.dispose();
      headStage.dispose();
      tf.dispose([xLstm, xHead, ...lstmParams.values(), ...headParams.values()]);
    },
  };
}

export async function opsSuite(ctx: PerfContext): Promise<number> {
  const wanted = ctx.backends.length > 0 ? ctx.backends : ['cpu', 'wasm', 'webgpu'];
  const { values } = parseArgs({ args: ctx.args, options: { only: { type: 'string', default: '' } } });
  const only = values.only.split(',').filter((o) => o !== '');
  const keep = (c: Case): boolean => only.length === 0 || only.some((o) => c.op.includes(o));
  const { gpu, note } = wanted.includes('webgpu') ? await loadNodeGpu() : { gpu: undefined, note: '' };
  setFlags({ autoAcceptSoftwareAdapter: true });
  console.log(`suite ops: batch ${B}, ${C}×${H}×${W}; gridSample alignCorners, border; spinColor K = 6 with AIN`);
  const results = new Map<string, number>(); // `${op}|${direction}|${backend}` → ms per call
  const calls = new Map<string, number>();
  const measured: string[] = [];
  const order: string[] = [];
  for (const name of wanted as BackendName[]) {
    let label: string = name;
    let software = false;
    try {
      const r = (await startEngineWith(name, { gpu })).report;
      if (name === 'webgpu') {
        const a = r.adapter;
        software = a.software;
        label = `webgpu (${[a.vendor, a.architecture, a.description].filter((s) => s !== '').join(' ')}${a.software ? ', software: not a GPU timing' : ''})`;
      }
    } catch (err) {
      console.log(`${name}: not measured: ${err instanceof Error ? err.message : String(err)}${note ? `; ${note}` : ''}`);
      continue;
    }
    console.log(`backend: ${label}`);
    measured.push(name);
    const { cases: list, dispose } = cases();
    for (const c of list.filter(keep)) {
      // An emulated GPU is slow: one timed call after the warm-up is enough there.
      const t = await timeIt(
        async () => {
          const outs = c.run();
          await Promise.all(outs.map((o) => o.data()));
          tf.dispose(outs);
        },
        software ? 0 : 1000,
        software ? 1 : 3,
      );
      const key = `${c.op}|${c.direction}`;
      if (!order.includes(key)) order.push(key);
      results.set(`${key}|${name}`, t.msPerCall);
      calls.set(`${key}|${name}`, t.calls);
    }
    dispose();
  }
  // backward alone = fwd+bwd − forward (tf.grads re-runs the forward pass).
  // fused ÷ per-step, per backend, for the recurrent kernels.
  const speedups: string[] = [];
  for (const key of order.filter((k) => k.endsWith('|inference, fused'))) {
    const op = key.split('|')[0]!;
    for (const name of measured) {
      const fused = results.get(`${key}|${name}`);
      const before = results.get(`${op}|inference, per-step ops|${name}`);
      if (fused !== undefined && before !== undefined) speedups.push(`${op} on ${name}: per-step ÷ fused = ${(before / fused).toFixed(2)}×`);
    }
  }
  for (const op of ['gridSample', 'spinColor']) {
    for (const name of measured) {
      const fwd = results.get(`${op}|forward|${name}`);
      const both = results.get(`${op}|fwd+bwd|${name}`);
      if (fwd === undefined || both === undefined) continue;
      results.set(`${op}|backward (derived)|${name}`, Math.max(0, both - fwd));
      calls.set(`${op}|backward (derived)|${name}`, calls.get(`${op}|fwd+bwd|${name}`) ?? 0);
    }
    const at = order.indexOf(`${op}|fwd+bwd`);
    if (at >= 0) order.splice(at + 1, 0, `${op}|backward (derived)`);
  }
  const rows: string[][] = [];
  for (const key of order) {
    const wasm = results.get(`${key}|wasm`);
    for (const name of measured) {
      const ms = results.get(`${key}|${name}`);
      if (ms === undefined) continue;
      const ratio = wasm === undefined || name === 'wasm' ? '' : `${(ms / wasm).toFixed(2)}× wasm`;
      rows.push([...key.split('|'), name, ms.toFixed(2), String(calls.get(`${key}|${name}`)), ratio]);
    }
  }
  console.log('');
  printTable(['op', 'direction', 'backend', 'ms/call', 'calls', 'ratio'], rows);
  if (speedups.length > 0) console.log(['', ...speedups].join('\n'));
  return 0;
}
