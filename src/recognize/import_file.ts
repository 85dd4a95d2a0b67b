/**
 * Model files a person drops on a page → weights in the project's format. Routed by extension:
 * `.onnx` (PaddleOCR inference export) through the ONNX importer; `.pth`/`.pt` (PyTorch state_dict)
 * through the restricted unpickler and the preset's PyTorch name mapping (nothing in the file runs).
 * Keys of stored models are `webstr/<preset>/<file name>`.
 */
import { WebstrError } from '../runtime/errors.ts';
import { isPresetName, PRESETS } from '../models/presets.ts';
import { sha256Hex, type LoadedWeights } from '../weights/format.ts';
import { weightsFromOnnx, weightsFromPth } from './load.ts';
import { modelFileKind } from './model_kind.ts';

export { modelFileKind, parseStoredModelKey, storedModelKey, type ModelFileKind } from './model_kind.ts';

/** Not a model file we know (by extension), or a preset name that does not exist. */
export class ModelFileError extends WebstrError {
  override name = 'ModelFileError';
}

export async function importModelFile(bytes: Uint8Array, fileName: string, preset: string): Promise<LoadedWeights> {
  if (!isPresetName(preset)) throw new ModelFileError(`unknown preset '${preset}': expected one of ${Object.keys(PRESETS).join(', ')}`);
  const kind = modelFileKind(fileName);
  if (kind === null) throw new ModelFileError(`${fileName}: not a model file: expected a PaddleOCR inference .onnx or a PyTorch .pth`);
  if (bytes.length === 0) throw new ModelFileError(`${fileName}: empty file (0 bytes)`);
  if (kind === 'pth') return weightsFromPth(bytes, preset, fileName, await sha256Hex(bytes));
  return weightsFromOnnx(bytes, preset, fileName);
}
