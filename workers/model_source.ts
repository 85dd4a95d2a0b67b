/** Model sources in a worker (recognizer, bench and trainer workers): URL, IndexedDB, dropped files (.onnx, .pth, model.json), ONNX bytes; the stored-model list. */
import { tf } from '../src/runtime/tf.ts';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { weightsFromOnnx, weightsFromPth } from '../src/recognize/load.ts';
import { fromArtifacts, loadWeights, saveWeights, sha256Hex, type LoadedWeights } from '../src/weights/format.ts';
import { loadManifestFiles, loadManifestUrl } from '../src/weights/manifest.ts';
import { registerAllKernels } from '../src/ops/registry.ts';
import { getPreset } from '../src/models/presets.ts';
import { parseStoredModelKey, storedModelKey, storedModelName } from '../src/recognize/model_kind.ts';
import { getShippedModel, shippedModelPath } from '../src/recognize/registry.ts';
import type { ModelSource } from './recognizer_api.ts';

export async function loadModelSource(source: ModelSource): Promise<LoadedWeights> {
  switch (source.kind) {
    case 'url':
      return fromArtifacts(await loadManifestUrl(source.url, fetch, source.sha256 !== undefined ? { sha256: source.sha256 } : {}));
    case 'indexeddb':
      return loadWeights(source.key.startsWith('indexeddb://') ? source.key : `indexeddb://${source.key}`);
    case 'shipped': {
      // Beside the app: workers (dev: /workers/, build: /assets/) sit one folder below its root. A
      // variable, not a literal, so Vite leaves the URL alone rather than bundling the weights.
      getShippedModel(source.name);
      const rel = `../${shippedModelPath(source.name)}`;
      // Verified against the build's listing (size and SHA-256 in models/index.json).
      const listed = (await listShippedModels()).find((m) => m.name === source.name);
      return fromArtifacts(await loadManifestUrl(new URL(rel, import.meta.url).href, fetch, listed?.sha256 !== undefined ? { sha256: listed.sha256 } : {}));
    }
    case 'onnx':
      return weightsFromOnnx(new Uint8Array(source.bytes), source.preset, source.source ?? 'model.onnx');
    case 'files': {
      const onnx = source.files.find((f) => f.name.toLowerCase().endsWith('.onnx'));
      if (onnx !== undefined) {
        return weightsFromOnnx(new Uint8Array(await onnx.arrayBuffer()), source.preset ?? 'crnn-mv3-en', onnx.name);
      }
      const pth = source.files.find((f) => /\.(pth|pt)$/i.test(f.name));
      if (pth !== undefined) {
        // The restricted unpickler runs nothing in the file; the bytes are read once (the SHA-256 needs them all).
        const bytes = new Uint8Array(await pth.arrayBuffer());
        return weightsFromPth(bytes, source.preset === '' ? undefined : source.preset, pth.name, await sha256Hex(bytes));
      }
      if (!source.files.some((f) => f.name.toLowerCase().endsWith('.json'))) {
        throw new InvalidArgumentError('dropped files: expected model.json + weights.bin, an .onnx or a PyTorch .pth file');
      }
      // Our own reader (not tf.io.browserFiles): webstr's model.json has no modelTopology, and its paths and sizes are checked.
      return fromArtifacts(await loadManifestFiles(source.files));
    }
  }
}

const IDB = 'indexeddb://';

/** A model in tf.io's IndexedDB list under the shared keys (`src/recognize/model_kind.ts`). */
export interface ListedModel {
  /** `indexeddb://webstr/<preset>/<file name>`. */
  key: string;
  name: string;
  preset: string;
  bytes: number;
  savedAt: string;
}

/** The webstr models in tf.io's IndexedDB list (the demo, bench and fine-tune pages list the same ones). */
export async function listStoredModels(): Promise<ListedModel[]> {
  const all = await tf.io.listModels();
  return Object.entries(all)
    .flatMap(([key, info]) => {
      const parsed = key.startsWith(IDB) ? parseStoredModelKey(key.slice(IDB.length)) : null;
      if (parsed === null) return [];
      return [{ key, preset: parsed.preset, name: storedModelName(key), bytes: info.weightDataBytes ?? 0, savedAt: info.dateSaved.toISOString() }];
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Keys of shipped models in model lists (as the pages' `shipped:<name>`). */
export const SHIPPED = 'shipped:';

/** The shipped models the build placed beside the app (`models/index.json`), as list entries keyed
 *  `shipped:<name>`; empty when the build has none. */
export async function listShippedModels(): Promise<(ListedModel & { sha256?: string })[]> {
  try {
    const rel = '../models/index.json';
    const r = await fetch(new URL(rel, import.meta.url));
    if (!r.ok) return [];
    const j = (await r.json()) as { models?: { name: string; preset: string; bytes: number; sha256: string }[] };
    return (j.models ?? []).map((m) => ({ key: `${SHIPPED}${m.name}`, name: m.name, preset: m.preset, bytes: m.bytes, savedAt: 'shipped', sha256: m.sha256 }));
  } catch {
    return [];
  }
}

/** Imports dropped model files (an .onnx as `preset`, a .pth as `preset` or, with '', as the DTRB model it
 *  describes, or model.json + weights.bin) into that list. */
export async function importStoredModel(files: File[], preset: string, name?: string): Promise<ListedModel> {
  registerAllKernels();
  if (preset !== '') getPreset(preset);
  const w = await loadModelSource({ kind: 'files', files, preset });
  const key = `${IDB}${storedModelKey(w.meta.preset, name ?? files[0]?.name ?? 'model')}`;
  try {
    await saveWeights(key, w.params, w.meta);
  } finally {
    tf.dispose([...w.params.values()]);
  }
  return (await listStoredModels()).find((m) => m.key === key)!;
}
