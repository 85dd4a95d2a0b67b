/**
 * What `createRecognizer({ model })` accepts, sorted into the kinds the loaders know, without tfjs:
 * a URL (of a webstr model.json, an .onnx or a .pth), a path (Node), bytes of an .onnx or .pth, or a
 * name. A name is looked up in the model registry when one is given; a bare preset name has no weights
 * (WeightsRequiredError says so).
 */
import { InvalidArgumentError, WebstrError } from '../runtime/errors.ts';
import { isPresetName } from '../models/presets.ts';
import { modelFileKind } from '../recognize/model_kind.ts';

/** A model: URL, path (Node), name, or the bytes of an .onnx / .pth file. */
export type ModelInput = string | URL | Uint8Array | ArrayBuffer | Blob;

/** A model name that is neither a registered model nor a path or URL. */
export class UnknownModelError extends WebstrError {
  override name = 'UnknownModelError';
}

export type ModelFormat = 'onnx' | 'pth' | 'webstr';

/** `.onnx` / `.pth` by content: a zip (torch.save) or a pickle is a checkpoint, anything else ONNX. */
export function sniffModelBytes(bytes: Uint8Array): 'onnx' | 'pth' {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'pth';
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return 'pth';
  return 'onnx';
}

/** The format a URL or path names by its extension: model.json (or a folder) is the webstr format. */
export function formatOfName(name: string): ModelFormat {
  const kind = modelFileKind(name.replace(/[?#].*$/, ''));
  return kind ?? 'webstr';
}

const URL_LIKE = /^(https?:|blob:|data:|file:|\.{0,2}\/)/i;

export type ModelSpec =
  | { kind: 'url'; url: string; format: ModelFormat }
  | { kind: 'bytes'; bytes: Uint8Array; format: 'onnx' | 'pth'; source: string }
  | { kind: 'name'; name: string };

/**
 * Sorts a model input. Strings that look like URLs or paths (`https:`, `./`, `/`, `file:`) are URLs;
 * `base` resolves relative ones (the page's address in a browser). Other strings are names.
 */
export async function classifyModel(model: ModelInput, base?: string): Promise<ModelSpec> {
  if (model instanceof URL) return { kind: 'url', url: model.href, format: formatOfName(model.pathname) };
  if (typeof model === 'string') {
    if (model.trim() === '') throw new InvalidArgumentError('model: an empty string is not a model');
    if (model.startsWith('indexeddb://') || URL_LIKE.test(model) || model.includes('/')) {
      const url = base !== undefined && !model.startsWith('indexeddb://') ? new URL(model, base).href : model;
      return { kind: 'url', url, format: formatOfName(model) };
    }
    return { kind: 'name', name: model };
  }
  const bytes =
    model instanceof Uint8Array ? model : model instanceof ArrayBuffer ? new Uint8Array(model) : new Uint8Array(await model.arrayBuffer());
  if (bytes.length === 0) throw new InvalidArgumentError('model: 0 bytes');
  const format = sniffModelBytes(bytes);
  const source = typeof File !== 'undefined' && model instanceof File ? model.name : `model.${format}`;
  return { kind: 'bytes', bytes, format, source };
}

/** How a name becomes a model: the registry's hook (absent until a registry of named models lands). */
export type ModelResolver = (name: string) => Promise<ModelSpec | null> | ModelSpec | null;

export async function resolveName(name: string, resolver: ModelResolver | undefined): Promise<ModelSpec> {
  const found = resolver === undefined ? null : await resolver(name);
  if (found !== null) return found;
  if (isPresetName(name)) {
    throw new UnknownModelError(`'${name}' is a preset (an architecture) with no weights here: pass a URL or the bytes of its weights (model.json, .onnx or .pth) and preset: '${name}'`);
  }
  throw new UnknownModelError(`model '${name}': not a known model name, and not a URL or path (a relative path starts with ./)`);
}
