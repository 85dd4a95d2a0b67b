/**
 * Model files a person drops on a page → weights in the project's format. Routed by extension:
 * `.onnx` (PaddleOCR inference export) through the ONNX importer; `.pth`/`.pt` (PyTorch state_dict)
 * through the restricted unpickler and the preset's PyTorch name mapping, or the DTRB structure read from
 * the file when no preset is given (nothing in the file runs).
 * Keys of stored models are `webstr/<preset>/<file name>`.
 */
import { WebstrError } from '../runtime/errors.ts';
import { isPresetName, PRESETS } from '../models/presets.ts';
import { sha256Hex, type LoadedWeights } from '../weights/format.ts';
import { weightsFromOnnx, weightsFromPth } from './load.ts';
import { modelFileKind, type ModelFileKind } from './model_kind.ts';
import { readStateDict } from '../weights/pth/index.ts';
import { CheckpointStructureError, fittingPresets, inferDtrbConfig } from '../weights/dtrb_structure.ts';

export { modelFileKind, parseStoredModelKey, storedModelKey, type ModelFileKind } from './model_kind.ts';

/** Not a model file we know (by extension), or a preset name that does not exist. */
export class ModelFileError extends WebstrError {
  override name = 'ModelFileError';
}

/** `preset` '' = read the structure from a `.pth` (DTRB); an `.onnx` always needs one. */
export async function importModelFile(bytes: Uint8Array, fileName: string, preset: string): Promise<LoadedWeights> {
  if (preset !== '' && !isPresetName(preset)) throw new ModelFileError(`unknown preset '${preset}': expected one of ${Object.keys(PRESETS).join(', ')}`);
  const kind = checkedKind(bytes, fileName);
  if (kind === 'pth') return weightsFromPth(bytes, preset === '' ? undefined : preset, fileName, await sha256Hex(bytes));
  if (preset === '') throw new ModelFileError(`${fileName}: an .onnx file needs a preset (its structure is not read from the file)`);
  return weightsFromOnnx(bytes, preset, fileName);
}

function checkedKind(bytes: Uint8Array, fileName: string): ModelFileKind {
  const kind = modelFileKind(fileName);
  if (kind === null) throw new ModelFileError(`${fileName}: not a model file: expected a PaddleOCR inference .onnx or a PyTorch .pth`);
  if (bytes.length === 0) throw new ModelFileError(`${fileName}: empty file (0 bytes)`);
  return kind;
}

/** What an import form may offer for a file. */
export interface ModelFit {
  kind: ModelFileKind;
  /** `.pth`: the model read from the file (a preset name when it equals one, else e.g. `TPS-VGG-BiLSTM-Attn`). */
  inferred: string | null;
  /** Presets the file fits (`.pth`: every tensor checked by name and shape; `.onnx`: all, unchecked). */
  presets: string[];
  /** `.pth` that fits nothing: the first difference, one line. */
  mismatch: string | null;
}

export async function inspectModelFile(bytes: Uint8Array, fileName: string): Promise<ModelFit> {
  const kind = checkedKind(bytes, fileName);
  if (kind === 'onnx') return { kind, inferred: null, presets: Object.keys(PRESETS), mismatch: null };
  const sd = await readStateDict(bytes);
  const presets: string[] = fittingPresets(sd);
  try {
    return { kind, inferred: inferDtrbConfig(sd, fileName).name, presets, mismatch: null };
  } catch (err) {
    if (!(err instanceof CheckpointStructureError)) throw err;
    return { kind, inferred: null, presets, mismatch: presets.length > 0 ? null : err.message };
  }
}
