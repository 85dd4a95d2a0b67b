/** Node: `--model <shipped name|dir|model.json|file.onnx|file.pth>` → weights (`preset` names the architecture of an
 *  .onnx (default crnn-mv3-en) or a .pth (default: read from the checkpoint)). */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { loadWeightsDir } from '../weights/node_io.ts';
import { sha256Hex } from '../weights/format.ts';
import { assertNotBarePreset, weightsFromOnnx, weightsFromPth } from './load.ts';
import { loadShippedModelNode } from './named_node.ts';
import { isShippedModelName } from './registry.ts';

export async function loadModelNode(spec: string, preset?: string): Promise<LoadedWeights> {
  if (isShippedModelName(spec)) return loadShippedModelNode(spec);
  assertNotBarePreset(spec);
  let isDir = false;
  try {
    isDir = (await stat(spec)).isDirectory();
  } catch {
    throw new InvalidArgumentError(`--model '${spec}': no such file or directory, and not a preset name`);
  }
  if (spec.toLowerCase().endsWith('.onnx')) return weightsFromOnnx(new Uint8Array(await readFile(spec)), preset ?? 'crnn-mv3-en', path.basename(spec));
  if (/\.(pth|pt)$/i.test(spec)) {
    const bytes = new Uint8Array(await readFile(spec));
    return weightsFromPth(bytes, preset, path.basename(spec), await sha256Hex(bytes));
  }
  if (isDir || spec.endsWith('.json')) return loadWeightsDir(spec);
  throw new InvalidArgumentError(`--model '${spec}': expected a preset name, a weights directory, a model.json or an .onnx file`);
}
