/** `webstr import <file.onnx> --preset <name> --out <dir>`: PaddleOCR inference ONNX → webstr weights. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { tf } from '../src/runtime/tf.ts';
import { countParams } from '../src/models/params.ts';
import { buildStages } from '../src/models/model.ts';
import { PRESET_NAMES, weightsFromOnnx } from '../src/recognize/load.ts';
import { saveWeightsDir } from '../src/weights/node_io.ts';

export const IMPORT_USAGE = `webstr import <file.onnx> --preset ${PRESET_NAMES.join('|')} --out <dir>`;

export async function importModel(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { preset: { type: 'string', default: 'crnn-mv3-en' }, out: { type: 'string' } },
  });
  const file = positionals[0];
  if (file === undefined || values.out === undefined) throw new InvalidArgumentError(`usage: ${IMPORT_USAGE}`);
  if (!file.toLowerCase().endsWith('.onnx')) {
    throw new InvalidArgumentError(`'${file}': only PaddleOCR inference ONNX files are imported here (PyTorch .pth comes with its own issue)`);
  }
  await tf.setBackend('cpu');
  const w = await weightsFromOnnx(new Uint8Array(await readFile(file)), values.preset, path.basename(file));
  await saveWeightsDir(values.out, w.params, w.meta);
  const n = countParams(buildStages(w.meta.config).specs);
  console.log(`imported ${w.params.size} tensors (${n.toLocaleString('en')} trainable parameters) as '${values.preset}' into ${values.out}`);
  tf.dispose([...w.params.values()]);
  return 0;
}
