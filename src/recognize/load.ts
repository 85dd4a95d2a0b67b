/** Model sources: the project's weight format, or a PaddleOCR ONNX file imported on the fly. */
import { WebstrError } from '../runtime/errors.ts';
import { getPreset, isPresetName, PRESETS } from '../models/presets.ts';
import type { ModelConfig } from '../models/config.ts';
import { getCharset } from '../text/charset.ts';
import { importPaddleOnnx } from '../weights/onnx_import.ts';
import { readStateDict, type ByteInput } from '../weights/pth/index.ts';
import { importTorchStateDict } from '../weights/torch_import.ts';
import { inferDtrbConfig } from '../weights/dtrb_structure.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, sha256Hex, type LoadedWeights } from '../weights/format.ts';
import { hostWeights, type HostWeights } from './recognizer.ts';
import { tf } from '../runtime/tf.ts';

/** A preset was named where weights are needed; none ship with the project. */
export class WeightsRequiredError extends WebstrError {
  override name = 'WeightsRequiredError';
  constructor(readonly preset: string) {
    super(
      `'${preset}' is a preset (an architecture) and no weights for it ship with webstr: weights are needed. ` +
        (preset === 'crnn-mv3-en'
          ? `Import PaddleOCR's en_number_mobile_v2.0 ONNX with 'webstr import <file.onnx> --preset crnn-mv3-en --out <dir>' and pass --model <dir> (or pass the .onnx file).`
          : `Pass --model <dir> with weights in the webstr format for this preset.`),
    );
  }
}

export function assertNotBarePreset(spec: string): void {
  if (isPresetName(spec)) throw new WeightsRequiredError(spec);
}

/** Weights imported from a foreign format as `preset`, with the metadata every import records. */
function imported(params: LoadedWeights['params'], preset: string, config: ModelConfig, provenance: LoadedWeights['meta']['provenance']): LoadedWeights {
  return {
    params,
    meta: { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, preset, config, charset: getCharset(config.charset), provenance },
  };
}

export async function weightsFromOnnx(bytes: Uint8Array, preset: string, source: string): Promise<LoadedWeights> {
  const config = getPreset(preset);
  return imported(importPaddleOnnx(bytes, config), preset, config, {
    source,
    sha256: await sha256Hex(bytes),
    importer: 'webstr import (PaddleOCR inference ONNX)',
    importedAt: new Date().toISOString(),
    ...(preset === 'crnn-mv3-en' ? { license: 'Apache-2.0 (PaddleOCR weights)' } : {}),
  });
}

/**
 * A PyTorch checkpoint (DTRB `.pth`: zip or legacy, state_dict possibly nested or `module.`-prefixed)
 * imported as `preset`, or, without one, as the DTRB model its parameters describe (`inferDtrbConfig`:
 * named as the preset it equals, else e.g. `TPS-VGG-BiLSTM-Attn`). The pickle goes through the
 * restricted unpickler: nothing in it runs.
 */
export async function weightsFromPth(input: ByteInput, preset: string | undefined, source: string, sha256: string): Promise<LoadedWeights> {
  const sd = await readStateDict(input);
  const config = preset === undefined || preset === '' ? inferDtrbConfig(sd, source) : getPreset(preset);
  const params = importTorchStateDict(sd, config);
  return imported(params, config.name, config, { source, sha256, importer: 'webstr import (PyTorch state_dict)', importedAt: new Date().toISOString() });
}

/** Weights → host copies for a Recognizer; disposes the loaded tensors. */
export async function toHostWeights(w: LoadedWeights): Promise<HostWeights> {
  try {
    return await hostWeights(w.meta.config, w.meta.charset, w.params);
  } finally {
    tf.dispose([...w.params.values()]);
  }
}

export const PRESET_NAMES = Object.keys(PRESETS);
