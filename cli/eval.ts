/**
 * `webstr eval --model <…> --data <lmdb-or-shard dir>... [--backend …] [--limit N] [--json [FILE.json]]`
 * (the contract in README.md): evaluates in Node with the same core as the bench page (src/eval/runner.ts)
 * and prints the per-dataset table (samples, accuracy, case-sensitive accuracy, 1-NED, words/s) with
 * both totals. Exit 0; 1 when `--min-accuracy` / `--max-drop` fail.
 */
import path from 'node:path';
import { startEngine } from '../src/ops/engine_node.ts';
import { decodeNode } from '../src/image/decode_node.ts';
import { DEFAULT_LIMITS } from '../src/image/errors.ts';
import { Recognizer } from '../src/recognize/recognizer.ts';
import { toHostWeights } from '../src/recognize/load.ts';
import { loadModelNode } from '../src/recognize/node_load.ts';
import { openDatasetPath } from '../src/data/node_shards.ts';
import { evaluate, type EvalDataset, type RecognizeBatch } from '../src/eval/runner.ts';
import { buildReport, checkThresholds, reportText } from '../src/eval/report.ts';
import { inputWidthKey } from '../src/eval/width_key.ts';
import { parseEvalArgs } from './eval_args.ts';
import { emitResult } from './usage.ts';

export async function evalCommand(argv: string[]): Promise<number> {
  const args = parseEvalArgs(argv);
  const { report: capabilities, init } = await startEngine(args.backend);
  const loaded = await loadModelNode(args.model, args.preset);
  const preset = loaded.meta.preset;
  const weights = await toHostWeights(loaded);
  const rec = Recognizer.create(weights, { decoder: (b) => decodeNode(b, DEFAULT_LIMITS), init, maxBatch: 64, allow: args.allow ?? null, onNotice: (m) => console.error(`webstr eval: ${m}`) });
  const opened = await Promise.all(args.data.map((d) => openDatasetPath(d)));
  try {
    const datasets: EvalDataset[] = opened.map((o) => ({ name: o.name, count: o.dataset.count, samples: () => o.dataset.samples(), sample: (i) => o.dataset.sample(i) }));
    const recognize: RecognizeBatch = async (images) =>
      (await rec.recognizeBatch(images)).map((o) => (o.ok ? { text: o.text, confidence: o.confidence } : { error: `${o.error.name}: ${o.error.message}` }));
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    let lastLine = 0;
    const report = await evaluate(datasets, recognize, {
      batchSize: args.batchSize,
      // Windows ordered by model input width: fuller same-width batches (as the bench worker).
      window: Math.max(1024, args.batchSize),
      groupKey: inputWidthKey(rec.config.input),
      limit: args.limit,
      shard: args.shard,
      filtering: args.filtering,
      ...(args.failures !== undefined ? { keepFailures: args.failures } : {}),
      onProgress: (p) => {
        const t = performance.now();
        if (!process.stderr.isTTY || t - lastLine < 1000) return;
        lastLine = t;
        process.stderr.write(`\r${p.dataset} ${p.done}/${p.total} · ${p.wordsPerSecond.toFixed(1)} words/s · ETA ${Number.isFinite(p.etaSeconds) ? p.etaSeconds.toFixed(0) : '…'} s   `);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const rep = buildReport({ model: path.basename(args.model), preset, backend: capabilities.backend, runtime: 'node', startedAt, seconds: (performance.now() - t0) / 1000, ...(args.allow !== undefined ? { allow: args.allow } : {}) }, report);
    await emitResult(args.json, rep, reportText(rep));
    const failed = checkThresholds(rep, { minAccuracy: args.minAccuracy, maxDrop: args.maxDrop });
    for (const f of failed) console.error(`webstr eval: FAIL ${f}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    rec.dispose();
    await Promise.all(opened.map((o) => o.close()));
  }
}
