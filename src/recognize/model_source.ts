/**
 * What a model is, before it is loaded: a shipped name (registry.ts), a file (.onnx, .pth, or a webstr
 * model.json + weights), a URL, a key in this browser's IndexedDB, or bytes. The file kind is decided
 * here and nowhere else (by name, or by content for bare bytes), and the stored-model keys and listing
 * type are declared here. Free of tfjs: pages import it. Loading: load.ts (browser and Node),
 * node_load.ts (paths, Node only).
 */
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import { isPresetName } from '../models/presets.ts';
import { isShippedModelName, type ShippedListing } from './registry.ts';

export type ModelFileKind = 'onnx' | 'pth';
/** `webstr`: the project's weight format (a model.json, or the folder holding it). */
export type ModelFormat = ModelFileKind | 'webstr';

/** Extensions of PyTorch checkpoints; `webstr import`, given one file by name, also takes `.ckpt` and `.bin`. */
const TORCH = ['.pth', '.pt'];
const TORCH_NAMED = [...TORCH, '.ckpt', '.bin'];

/**
 * A model file's kind by its name (a URL's query and fragment ignored); null when it is neither.
 * `named`: the file was named on purpose (`webstr import FILE`), so the looser checkpoint extensions count.
 */
export function modelFileKind(name: string, named = false): ModelFileKind | null {
  const n = name.replace(/[?#].*$/, '').toLowerCase();
  if (n.endsWith('.onnx')) return 'onnx';
  return (named ? TORCH_NAMED : TORCH).some((e) => n.endsWith(e)) ? 'pth' : null;
}

/** The format a URL or path names: an .onnx or a checkpoint, else a webstr model.json (or its folder). */
export function formatOfName(name: string): ModelFormat {
  return modelFileKind(name) ?? 'webstr';
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

/** `.onnx` / `.pth` by content: a zip (torch.save) or a pickle is a checkpoint, anything else ONNX. */
export function sniffModelBytes(bytes: Uint8Array): ModelFileKind {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'pth';
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return 'pth';
  return 'onnx';
}

/**
 * A model to load (also the workers' message). `preset` names the architecture of an .onnx (needed;
 * default crnn-mv3-en) or a .pth (optional: without it the DTRB model the checkpoint describes).
 */
export type ModelSource =
  /** A URL: a webstr `model.json` (weights beside it; `sha256` checks them), an .onnx or a .pth (`format` from the name). */
  | { kind: 'url'; url: string; sha256?: string; preset?: string }
  /** Dropped files: `model.json` + `weights.bin`, or one `.onnx` or `.pth`. */
  | { kind: 'files'; files: File[]; preset?: string }
  /** Weights kept in this browser (`indexeddb://…`, the prefix optional). */
  | { kind: 'indexeddb'; key: string }
  /** An .onnx or .pth file's bytes (`format` sniffed when absent); `source` names it in the provenance. */
  | { kind: 'bytes'; bytes: ArrayBuffer | Uint8Array; format?: ModelFileKind; preset?: string; source?: string }
  /** A model shipped with webstr, by name (registry.ts). */
  | { kind: 'shipped'; name: string };

/** What callers give: URL, path (Node), name, or the bytes of an .onnx / .pth file. */
export type ModelInput = string | URL | Uint8Array | ArrayBuffer | Blob;

/** A model name that is neither a registered model nor a path or URL. */
export class UnknownModelError extends WebstrError {
  override name = 'UnknownModelError';
}

/** A shipped model whose files are not where they should be (a checkout without the weights, a
 *  folder not served with the app, a listing without it). */
export class ModelUnavailableError extends WebstrError {
  override name = 'ModelUnavailableError';
}

/** How an app turns a name of its own into a model (tried before the shipped names). */
export type ModelResolver = (name: string) => Promise<ModelSource | null> | ModelSource | null;

/** A model input sorted: a source, or a name still to resolve (`resolveName`). */
export type ClassifiedModel = ModelSource | { kind: 'name'; name: string };

const URL_LIKE = /^(https?:|blob:|data:|file:|\.{0,2}\/)/i;

/**
 * Sorts a model input. Strings that look like URLs or paths (`https:`, `./`, `/`, `file:`, any `/`) are
 * URLs, `base` resolving relative ones (the page's address in a browser); `indexeddb://…` is a stored
 * model; other strings are names.
 */
export async function classifyModel(model: ModelInput, base?: string, preset?: string): Promise<ClassifiedModel> {
  const withPreset = preset === undefined ? {} : { preset };
  if (model instanceof URL) return { kind: 'url', url: model.href, ...withPreset };
  if (typeof model === 'string') {
    if (model.trim() === '') throw new InvalidArgumentError('model: an empty string is not a model');
    if (model.startsWith(IDB)) return { kind: 'indexeddb', key: model };
    if (URL_LIKE.test(model) || model.includes('/')) return { kind: 'url', url: base !== undefined ? new URL(model, base).href : model, ...withPreset };
    return { kind: 'name', name: model };
  }
  const bytes = model instanceof Uint8Array ? model : model instanceof ArrayBuffer ? new Uint8Array(model) : new Uint8Array(await model.arrayBuffer());
  if (bytes.length === 0) throw new InvalidArgumentError('model: 0 bytes');
  const format = sniffModelBytes(bytes);
  const source = typeof File !== 'undefined' && model instanceof File ? model.name : `model.${format}`;
  return { kind: 'bytes', bytes, format, source, ...withPreset };
}

/**
 * A name → a model: the app's resolver first, then (`shipped`, where the app serves them) the shipped
 * models; a preset or anything else is refused by name.
 */
export async function resolveName(name: string, resolver?: ModelResolver, shipped = true): Promise<ModelSource> {
  const found = resolver === undefined ? null : await resolver(name);
  if (found !== null) return found;
  if (shipped && isShippedModelName(name)) return { kind: 'shipped', name };
  if (isPresetName(name)) {
    throw new UnknownModelError(`'${name}' is a preset (an architecture) with no weights here: pass a URL or the bytes of its weights (model.json, .onnx or .pth) and preset: '${name}'`);
  }
  throw new UnknownModelError(`model '${name}': not a known model name, and not a URL or path (a relative path starts with ./)`);
}

/** The URL a webstr model is fetched from: its model.json (a folder's http(s) or file URL gets `/model.json`). */
export function modelJsonUrl(url: string): string {
  if (/\.json([?#].*)?$/i.test(url) || !/^(https?|file):/i.test(url)) return url;
  return `${url.replace(/\/$/, '')}/model.json`;
}

/** The file name at the end of a URL or path (for provenance). */
export function fileNameOf(url: string): string {
  const last = url.replace(/[?#].*$/, '').split(/[/\\]/).pop() ?? '';
  try {
    return decodeURIComponent(last) || 'model';
  } catch {
    return last || 'model';
  }
}

// ---- Stored models ------------------------------------------------------------------------------

/** tf.io's scheme for models kept in this browser. */
export const IDB = 'indexeddb://';
/** Keys of shipped models in model lists (`shipped:<name>`). */
export const SHIPPED = 'shipped:';

/** `webstr/<preset>/<file name>`: where an imported or exported model is kept (under tf.io's `indexeddb://`). */
export function storedModelKey(preset: string, fileName: string): string {
  return `webstr/${preset}/${fileName}`;
}

/** `webstr/<preset>/<file>` (with or without `indexeddb://`) → its parts; null for keys written by something else. */
export function parseStoredModelKey(key: string): { preset: string; fileName: string } | null {
  const m = /^webstr\/([^/]+)\/(.+)$/.exec(key.startsWith(IDB) ? key.slice(IDB.length) : key);
  return m === null ? null : { preset: m[1]!, fileName: m[2]! };
}

/** What a stored model is called in tables, CSV and history: its file name without the model-file extension. */
export function storedModelName(key: string): string {
  const file = parseStoredModelKey(key)?.fileName ?? key.split('/').pop() ?? key;
  return file.replace(/\.(onnx|pth|pt|json)$/i, '');
}

/** The shipped models the build placed beside the app (`models/index.json` below `appRoot`, in the
 *  registry's order); empty when the app was built without it or it cannot be read. */
export async function fetchShippedListing(appRoot: string | URL): Promise<ShippedListing[]> {
  try {
    const r = await fetch(new URL('models/index.json', appRoot));
    if (!r.ok) return [];
    const j = (await r.json()) as { models?: ShippedListing[] };
    return Array.isArray(j.models) ? j.models : [];
  } catch {
    return [];
  }
}

/** A key of a page's model list → the model: `shipped:<name>`, or a stored key (`indexeddb://` optional). */
export function sourceOfKey(key: string): Extract<ModelSource, { kind: 'shipped' | 'indexeddb' }> {
  if (key.startsWith(SHIPPED)) return { kind: 'shipped', name: key.slice(SHIPPED.length) };
  if (parseStoredModelKey(key) === null) throw new InvalidArgumentError(`not a stored model key: ${key}`);
  return { kind: 'indexeddb', key: key.startsWith(IDB) ? key : `${IDB}${key}` };
}

/** A model in a page's list: kept in this browser (`indexeddb://webstr/<preset>/<file>`) or shipped (`shipped:<name>`). */
export interface StoredModel {
  /** `indexeddb://webstr/<preset>/<file name>` or `shipped:<name>`. */
  key: string;
  /** Its name in tables (storedModelName). */
  name: string;
  preset: string;
  /** Bytes of the weights. */
  bytes: number;
  /** ISO time it was saved; 'shipped' for shipped models. */
  savedAt: string;
  /** Shipped models: the SHA-256 of the weight files, from the build's listing. */
  sha256?: string;
}
