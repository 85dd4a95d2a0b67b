/**
 * Accuracy of `crnn-mv3-en` through the recognizer (decode → preprocess → batches → model → CTC) on the
 * shared test sets, side by side with onnxruntime-node on the same preprocessed inputs, plus the
 * string agreement between the two. Protocol: case-insensitive alphanumeric (src/eval/metrics.ts).
 *
 *   node --import ./cli/register.mjs scripts/accuracy.ts [--backend wasm] [--limit N] [--sets a,b] [--json out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { tf } from '../src/runtime/tf.ts';
import { startEngineWith } from '../src/ops/engine.ts';
import { openFileByteSource } from '../src/data/node_source.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { preprocess } from '../src/image/preprocess.ts';
import { CtcCodec } from '../src/text/ctc.ts';
import { DatasetTally } from '../src/eval/metrics.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { toHostWeights, weightsFromOnnx } from '../src/recognize/load.ts';
import { LMDB_DIR, MV3_EN_ONNX } from '../src/testing/shared.ts';
import { exitOnHelp } from './lib/help.ts';

exitOnHelp(import.meta.url);

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    limit: { type: 'string' },
    sets: { type: 'string', default: 'iiit5k_3000,svt_647,ic15_2077' },
    json: { type: 'string' },
  },
});

const report = (await startEngineWith(values.backend, { gpu: undefined })).report;
const weights = await toHostWeights(await weightsFromOnnx(new Uint8Array(readFileSync(MV3_EN_ONNX)), 'crnn-mv3-en', path.basename(MV3_EN_ONNX)));
const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b), maxBatch: 32 });
const codec = new CtcCodec(weights.charset);
const sess = await ort.InferenceSession.create(MV3_EN_ONNX);
const limit = values.limit === undefined ? undefined : Number(values.limit);
const rows: object[] = [];
console.log(`backend ${report.backend}; onnxruntime-node ${ort.env.versions.common ?? ''} on the same inputs`);
console.log('dataset        samples   ours %   ort %    agree %   ours w/s');
for (const set of values.sets.split(',')) {
  const src = await openFileByteSource(path.join(LMDB_DIR, set, 'data.mdb'));
  const ds = await openDtrbDataset(src);
  const ours = new DatasetTally(set);
  const ref = new DatasetTally(`${set} (ort)`);
  let agree = 0;
  let n = 0;
  let seconds = 0;
  const batch: { label: string; image: Uint8Array }[] = [];
  const flush = async (): Promise<void> => {
    const t0 = performance.now();
    const out = await rec.recognizeBatch(batch.map((b) => b.image));
    seconds += (performance.now() - t0) / 1000;
    for (let i = 0; i < batch.length; i++) {
      const o = out[i]!;
      const pred = o.ok ? o.text : '';
      ours.add(pred, batch[i]!.label);
      // onnxruntime on the same preprocessed tensor.
      let refText = '';
      if (o.ok) {
        const px = await decodeNode(batch[i]!.image);
        const x = preprocess(px, weights.config.input);
        const nchw = tf.transpose(x, [0, 3, 1, 2]);
        const r = await sess.run({ x: new ort.Tensor('float32', (await nchw.data()) as Float32Array, nchw.shape) });
        const probs = Object.values(r)[0]!;
        refText = codec.decodeGreedy(probs.data as Float32Array, probs.dims[1]!).text;
        tf.dispose([x, nchw]);
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
  const a = ours.result();
  const b = ref.result();
  const row = { dataset: set, samples: n, ours: a.accuracy, ort: b.accuracy, agreement: (100 * agree) / n, oursWordsPerSecond: n / seconds, backend: report.backend };
  rows.push(row);
  console.log(
    `${set.padEnd(14)} ${String(n).padStart(7)}   ${a.accuracy.toFixed(2).padStart(6)}   ${b.accuracy.toFixed(2).padStart(6)}   ${row.agreement.toFixed(2).padStart(7)}   ${row.oursWordsPerSecond.toFixed(1).padStart(8)}`,
  );
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(rows, null, 2));
rec.dispose();
await sess.release();
