/**
 * `webstr import <file.onnx|file.pth|weights dir> --preset <name> --out <dir> [--float16]`: PaddleOCR inference ONNX or a PyTorch
 * checkpoint (DTRB `.pth`, read by the restricted unpickler: a malicious pickle is refused, never run)
 * → webstr weights; a webstr weights folder is rewritten (`--float16`: half-precision storage).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { tf } from '../src/runtime/tf.ts';
import { countParams } from '../src/models/params.ts';
import { buildStages } from '../src/models/model.ts';
import { PRESET_NAMES, weightsFromOnnx, weightsFromPth } from '../src/recognize/load.ts';
import { sha256Hex } from '../src/weights/format.ts';
import { loadWeightsDir, saveWeightsDir } from '../src/weights/node_io.ts';

export const IMPORT_USAGE = `webstr import <file.onnx|file.pth|webstr weights dir> --preset ${PRESET_NAMES.join('|')} --out <dir> [--float16]`;

const TORCH_EXTENSIONS = ['.pth', '.pt', '.ckpt', '.bin'];

export async function importModel(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { preset: { type: 'string', default: 'crnn-mv3-en' }, out: { type: 'string' }, float16: { type: 'boolean', default: false } },
  });
  const file = positionals[0];
  if (file === undefined || values.out === undefined) throw new InvalidArgumentError(`usage: ${IMPORT_USAGE}`);
  if (file.endsWith('.json') || (await stat(file).then((s) => s.isDirectory(), () => false))) {
    // webstr weights → webstr weights (e.g. float32 → float16): tensors and metadata unchanged.
    await tf.setBackend('cpu');
    const w = await loadWeightsDir(file);
    try {
      await saveWeightsDir(values.out, w.params, w.meta, { float16: values.float16 });
      console.log(`wrote ${w.params.size} tensors of '${w.meta.preset}' into ${values.out}${values.float16 ? ' (float16)' : ''}`);
    } finally {
      tf.dispose([...w.params.values()]);
    }
    return 0;
  }
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.onnx' && !TORCH_EXTENSIONS.includes(ext)) {
    throw new InvalidArgumentError(`'${file}': expected a PaddleOCR inference .onnx or a PyTorch checkpoint (${TORCH_EXTENSIONS.join(', ')})`);
  }
  await tf.setBackend('cpu');
  const bytes = new Uint8Array(await readFile(file));
  const w =
    ext === '.onnx'
      ? await weightsFromOnnx(bytes, values.preset, path.basename(file))
      : await weightsFromPth(bytes, values.preset, path.basename(file), await sha256Hex(bytes));
  try {
    await saveWeightsDir(values.out, w.params, w.meta, { float16: values.float16 });
    const n = countParams(buildStages(w.meta.config).specs);
    console.log(`imported ${w.params.size} tensors (${n.toLocaleString('en')} trainable parameters) as '${values.preset}' into ${values.out}`);
  } finally {
    tf.dispose([...w.params.values()]);
  }
  return 0;
}
