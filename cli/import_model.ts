/**
 * `webstr import <file.onnx|file.pth> [--preset <name>] --out <dir>`: PaddleOCR inference ONNX (as
 * `--preset`, default crnn-mv3-en) or a PyTorch checkpoint (DTRB `.pth`, read by the restricted unpickler:
 * a malicious pickle is refused, never run; without `--preset` its DTRB structure is read from the file)
 * → webstr weights.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { tf } from '../src/runtime/tf.ts';
import { countParams } from '../src/models/params.ts';
import { buildStages } from '../src/models/model.ts';
import { PRESET_NAMES, weightsFromOnnx, weightsFromPth } from '../src/recognize/load.ts';
import { sha256Hex } from '../src/weights/format.ts';
import { saveWeightsDir } from '../src/weights/node_io.ts';

export const IMPORT_USAGE = `webstr import <file.onnx|file.pth> [--preset ${PRESET_NAMES.join('|')}] --out <dir>   (.onnx: default crnn-mv3-en; .pth: default read from the file)`;

const TORCH_EXTENSIONS = ['.pth', '.pt', '.ckpt', '.bin'];

export async function importModel(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { preset: { type: 'string' }, out: { type: 'string' } },
  });
  const file = positionals[0];
  if (file === undefined || values.out === undefined) throw new InvalidArgumentError(`usage: ${IMPORT_USAGE}`);
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.onnx' && !TORCH_EXTENSIONS.includes(ext)) {
    throw new InvalidArgumentError(`'${file}': expected a PaddleOCR inference .onnx or a PyTorch checkpoint (${TORCH_EXTENSIONS.join(', ')})`);
  }
  await tf.setBackend('cpu');
  const bytes = new Uint8Array(await readFile(file));
  const w =
    ext === '.onnx'
      ? await weightsFromOnnx(bytes, values.preset ?? 'crnn-mv3-en', path.basename(file))
      : await weightsFromPth(bytes, values.preset, path.basename(file), await sha256Hex(bytes));
  try {
    await saveWeightsDir(values.out, w.params, w.meta);
    const n = countParams(buildStages(w.meta.config).specs);
    const how = values.preset === undefined && ext !== '.onnx' ? ' (structure read from the checkpoint)' : '';
    console.log(`imported ${w.params.size} tensors (${n.toLocaleString('en')} trainable parameters) as '${w.meta.preset}'${how} into ${values.out}`);
  } finally {
    tf.dispose([...w.params.values()]);
  }
  return 0;
}
