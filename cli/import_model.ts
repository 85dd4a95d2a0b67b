/**
 * `webstr import <file.onnx|file.pth|weights dir> [--preset <name>] --out <dir> [--float16]`: PaddleOCR inference
 * ONNX (as `--preset`, default crnn-mv3-en) or a PyTorch checkpoint (DTRB `.pth`, read by the restricted
 * unpickler: a malicious pickle is refused, never run; without `--preset` its DTRB structure is read from the
 * file) → webstr weights; a webstr weights folder is rewritten (`--float16`: half-precision storage).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../src/runtime/tf.ts';
import { countParams } from '../src/models/params.ts';
import { buildStages } from '../src/models/model.ts';
import { weightsFromBytes } from '../src/recognize/load.ts';
import { modelFileKind } from '../src/recognize/model_source.ts';
import { loadWeightsDir, saveWeightsDir } from '../src/weights/node_io.ts';
import { JSON_OPTION, UsageError, emitResult, jsonTarget, parseCommandArgs } from './usage.ts';

export async function importModel(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { preset: { type: 'string' }, out: { type: 'string' }, float16: { type: 'boolean', default: false }, ...JSON_OPTION });
  const file = positionals[0];
  if (file === undefined) throw new UsageError('the model file to import is required');
  if (positionals.length > 1) throw new UsageError(`one model file per run; unexpected '${positionals[1]}'`);
  if (values.out === undefined) throw new UsageError('--out <dir> is required');
  const json = jsonTarget(values.json);
  if (file.endsWith('.json') || (await stat(file).then((s) => s.isDirectory(), () => false))) {
    // webstr weights → webstr weights (e.g. float32 → float16): tensors and metadata unchanged.
    await tf.setBackend('cpu');
    const w = await loadWeightsDir(file);
    try {
      await saveWeightsDir(values.out, w.params, w.meta, { float16: values.float16 });
      const summary = { file: path.resolve(file), preset: w.meta.preset, out: path.resolve(values.out), tensors: w.params.size, float16: values.float16 };
      await emitResult(json, summary, `wrote ${w.params.size} tensors of '${w.meta.preset}' into ${values.out}${values.float16 ? ' (float16)' : ''}`);
    } finally {
      tf.dispose([...w.params.values()]);
    }
    return 0;
  }
  const kind = modelFileKind(file, true);
  if (kind === null) throw new UsageError(`'${file}': expected a PaddleOCR inference .onnx or a PyTorch checkpoint (.pth, .pt, .ckpt, .bin)`);
  await tf.setBackend('cpu');
  const w = await weightsFromBytes(new Uint8Array(await readFile(file)), kind, values.preset, path.basename(file));
  try {
    await saveWeightsDir(values.out, w.params, w.meta, { float16: values.float16 });
    const n = countParams(buildStages(w.meta.config).specs);
    const how = values.preset === undefined && kind === 'pth' ? ' (structure read from the checkpoint)' : '';
    const summary = { file: path.resolve(file), preset: w.meta.preset, out: path.resolve(values.out), tensors: w.params.size, parameters: n, sha256: w.meta.provenance.sha256 };
    await emitResult(json, summary, `imported ${w.params.size} tensors (${n.toLocaleString('en')} trainable parameters) as '${w.meta.preset}'${how} into ${values.out}`);
  } finally {
    tf.dispose([...w.params.values()]);
  }
  return 0;
}
