/**
 * Model files a person drops on a page → weights in the project's format. Routed by extension:
 * `.onnx` (PaddleOCR inference export) through the ONNX importer; `.pth`/`.pt` (PyTorch state_dict)
 * needs the presets' name mapping from PyTorch checkpoints, which is not on main yet, so it fails with
 * a named error saying so. Keys of stored models are `webstr/<preset>/<file name>`.
 */
import { WebstrError } from '../runtime/errors.ts';
import { isPresetName, PRESETS } from '../models/presets.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { weightsFromOnnx } from './load.ts';
import { modelFileKind } from './model_kind.ts';

export { modelFileKind, parseStoredModelKey, storedModelKey, type ModelFileKind } from './model_kind.ts';

/** A `.pth` was given and this build has no PyTorch → preset importer yet. */
export class PthImportUnavailableError extends WebstrError {
  override name = 'PthImportUnavailableError';
  constructor(file: string) {
    super(`${file}: PyTorch (.pth) import arrives with the RARE/SPIN presets (their checkpoint name mapping); import a PaddleOCR inference .onnx for now`);
  }
}

/** Not a model file we know (by extension), or a preset name that does not exist. */
export class ModelFileError extends WebstrError {
  override name = 'ModelFileError';
}

export async function importModelFile(bytes: Uint8Array, fileName: string, preset: string): Promise<LoadedWeights> {
  if (!isPresetName(preset)) throw new ModelFileError(`unknown preset '${preset}': expected one of ${Object.keys(PRESETS).join(', ')}`);
  const kind = modelFileKind(fileName);
  if (kind === 'pth') throw new PthImportUnavailableError(fileName);
  if (kind === null) throw new ModelFileError(`${fileName}: not a model file: expected a PaddleOCR inference .onnx or a PyTorch .pth`);
  if (bytes.length === 0) throw new ModelFileError(`${fileName}: empty file (0 bytes)`);
  return weightsFromOnnx(bytes, preset, fileName);
}
