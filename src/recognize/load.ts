/**
 * Loading a model (model_source.ts says what it is) into weights in the project's format, in browsers,
 * workers and Node: the ONNX and PyTorch importers for foreign files, the manifest readers for webstr
 * files, tf.io's IndexedDB for stored models. Paths on disk: node_load.ts.
 */
import { tf } from '../runtime/tf.ts';
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import { getPreset, isPresetName, PRESETS } from '../models/presets.ts';
import type { ModelConfig } from '../models/config.ts';
import { getCharset } from '../text/charset.ts';
import { importPaddleOnnx } from '../weights/onnx_import.ts';
import { readStateDict, type ByteInput } from '../weights/pth/index.ts';
import { importTorchStateDict } from '../weights/torch_import.ts';
import { CheckpointStructureError, fittingPresets, inferDtrbConfig } from '../weights/dtrb_structure.ts';
import { WEIGHTS_FORMAT, WEIGHTS_VERSION, fromArtifacts, loadWeights, saveWeights, sha256Hex, type LoadedWeights } from '../weights/format.ts';
import { loadManifestFiles, loadManifestUrl } from '../weights/manifest.ts';
import { hostWeights, type HostWeights } from './recognizer.ts';
import { getShippedModel, shippedModelPath } from './registry.ts';
import { IDB, SHIPPED, fetchShippedListing, fileNameOf, formatOfName, modelFileKind, modelJsonUrl, parseStoredModelKey, sniffModelBytes, storedModelKey, storedModelName, type ModelFileKind, type ModelFit, type ModelSource, type StoredModel } from './model_source.ts';

/** The architecture an .onnx is read as when none is named (PaddleOCR's English number model). */
export const DEFAULT_ONNX_PRESET = 'crnn-mv3-en';

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

/** Not a model file we know (by extension), an empty one, or a preset name that does not exist. */
export class ModelFileError extends WebstrError {
  override name = 'ModelFileError';
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

/**
 * An .onnx or .pth file's bytes → weights. `preset` undefined: an .onnx is read as DEFAULT_ONNX_PRESET,
 * a .pth as the DTRB model it describes; '' asks for the structure from the file (a .pth only).
 */
export async function weightsFromBytes(bytes: Uint8Array, kind: ModelFileKind, preset: string | undefined, source: string): Promise<LoadedWeights> {
  // The restricted unpickler runs nothing in the file; the bytes are read once (the SHA-256 needs them all).
  if (kind === 'pth') return weightsFromPth(bytes, preset === '' ? undefined : preset, source, await sha256Hex(bytes));
  if (preset === '') throw new ModelFileError(`${source}: an .onnx file needs a preset (its structure is not read from the file)`);
  return weightsFromOnnx(bytes, preset ?? DEFAULT_ONNX_PRESET, source);
}

/** A model file by its name (model_source.ts `modelFileKind`) → weights; ModelFileError for any other file. */
export async function weightsFromFile(bytes: Uint8Array, fileName: string, preset: string | undefined): Promise<LoadedWeights> {
  if (preset !== undefined && preset !== '' && !isPresetName(preset)) throw new ModelFileError(`unknown preset '${preset}': expected one of ${PRESET_NAMES.join(', ')}`);
  return weightsFromBytes(bytes, checkedKind(bytes, fileName), preset, fileName);
}

function checkedKind(bytes: Uint8Array, fileName: string): ModelFileKind {
  const kind = modelFileKind(fileName);
  if (kind === null) throw new ModelFileError(`${fileName}: not a model file: expected a PaddleOCR inference .onnx or a PyTorch .pth`);
  if (bytes.length === 0) throw new ModelFileError(`${fileName}: empty file (0 bytes)`);
  return kind;
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

/** Weights → host copies for a Recognizer; disposes the loaded tensors. */
export async function toHostWeights(w: LoadedWeights): Promise<HostWeights> {
  try {
    return await hostWeights(w.meta.config, w.meta.charset, w.params);
  } finally {
    tf.dispose([...w.params.values()]);
  }
}

export const PRESET_NAMES = Object.keys(PRESETS);

// ---- Sources reached by URL, IndexedDB or dropped files (browsers and workers; URLs also in Node) ----

export interface LoadContext {
  /** The app's root URL: shipped models and their listing sit at `models/` below it. */
  appRoot?: string;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new InvalidArgumentError(`model ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function appRootOf(ctx: LoadContext): string {
  if (ctx.appRoot === undefined) throw new InvalidArgumentError('shipped models are found beside an app: no app root given');
  return ctx.appRoot;
}

export async function loadModelSource(source: ModelSource, ctx: LoadContext = {}): Promise<LoadedWeights> {
  switch (source.kind) {
    case 'url': {
      const format = formatOfName(source.url);
      if (format !== 'webstr') return weightsFromBytes(await fetchBytes(source.url), format, source.preset, fileNameOf(source.url));
      return fromArtifacts(await loadManifestUrl(modelJsonUrl(source.url), fetch, source.sha256 !== undefined ? { sha256: source.sha256 } : {}));
    }
    case 'indexeddb':
      return loadWeights(source.key.startsWith(IDB) ? source.key : `${IDB}${source.key}`);
    case 'shipped': {
      getShippedModel(source.name);
      // A variable, not a literal, so Vite leaves the URL alone rather than bundling the weights.
      const url = new URL(shippedModelPath(source.name), appRootOf(ctx)).href;
      // Verified against the build's listing (size and SHA-256 in models/index.json).
      const listed = (await listShippedModels(appRootOf(ctx))).find((m) => m.name === source.name);
      return fromArtifacts(await loadManifestUrl(url, fetch, listed?.sha256 !== undefined ? { sha256: listed.sha256 } : {}));
    }
    case 'bytes': {
      const bytes = source.bytes instanceof Uint8Array ? source.bytes : new Uint8Array(source.bytes);
      const kind = source.format ?? sniffModelBytes(bytes);
      return weightsFromBytes(bytes, kind, source.preset, source.source ?? `model.${kind}`);
    }
    case 'files': {
      const file = source.files.find((f) => modelFileKind(f.name) === 'onnx') ?? source.files.find((f) => modelFileKind(f.name) === 'pth');
      if (file !== undefined) return weightsFromFile(new Uint8Array(await file.arrayBuffer()), file.name, source.preset);
      if (!source.files.some((f) => f.name.toLowerCase().endsWith('.json'))) {
        // One file of another kind: refused by name (ModelFileError says why).
        if (source.files.length === 1) return weightsFromFile(new Uint8Array(await source.files[0]!.arrayBuffer()), source.files[0]!.name, source.preset);
        throw new InvalidArgumentError('dropped files: expected model.json + weights.bin, an .onnx or a PyTorch .pth file');
      }
      // Our own reader (not tf.io.browserFiles): webstr's model.json has no modelTopology, and its paths and sizes are checked.
      return fromArtifacts(await loadManifestFiles(source.files));
    }
  }
}

/** The webstr models in tf.io's IndexedDB list (the pages all list the same ones), by key. */
export async function listStoredModels(): Promise<StoredModel[]> {
  const all = await tf.io.listModels();
  return Object.entries(all)
    .flatMap(([key, info]) => {
      const parsed = key.startsWith(IDB) ? parseStoredModelKey(key) : null;
      if (parsed === null) return [];
      return [{ key, preset: parsed.preset, name: storedModelName(key), bytes: info.weightDataBytes ?? 0, savedAt: new Date(info.dateSaved).toISOString() }];
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** The shipped models the build placed beside the app (`models/index.json`), keyed `shipped:<name>`; empty when it has none. */
export async function listShippedModels(appRoot: string): Promise<StoredModel[]> {
  return (await fetchShippedListing(appRoot)).map((m) => ({ key: `${SHIPPED}${m.name}`, name: m.name, preset: m.preset, bytes: m.bytes, savedAt: 'shipped', sha256: m.sha256 }));
}

/** Saves weights in this browser under `indexeddb://webstr/<preset>/<file name>` and returns the list entry. */
export async function storeModel(w: LoadedWeights, fileName: string): Promise<StoredModel> {
  const key = `${IDB}${storedModelKey(w.meta.preset, fileName)}`;
  await saveWeights(key, w.params, w.meta);
  const found = (await listStoredModels()).find((m) => m.key === key);
  if (found === undefined) throw new WebstrError(`model '${key}' was saved but is not listed in IndexedDB`);
  return found;
}

/** Imports dropped model files (an .onnx as `preset`; a .pth as `preset` or, with '', as the DTRB model it
 *  describes; or model.json + weights.bin) into this browser's list. */
export async function importStoredModel(files: File[], preset: string, name?: string): Promise<StoredModel> {
  const w = await loadModelSource({ kind: 'files', files, preset });
  try {
    return await storeModel(w, name ?? files[0]?.name ?? 'model');
  } finally {
    tf.dispose([...w.params.values()]);
  }
}

export async function deleteStoredModel(key: string): Promise<void> {
  await tf.io.removeModel(key.startsWith(IDB) ? key : `${IDB}${key}`);
}
