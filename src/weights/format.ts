/**
 * The project's weight format: a tfjs weights manifest (`model.json` + `weights.bin`, loadable through
 * `tf.io` from a URL, dropped Files or IndexedDB) whose `userDefinedMetadata.webstr` holds the model
 * config, the charset, the preprocessing (inside the config) and provenance. Tensors are named after
 * the reference checkpoints and stored in the project's layout (models/params.ts).
 */
import { tf } from '../runtime/tf.ts';
import { WeightsFormatError, WeightsSizeError } from './errors.ts';
import { declaredBytes } from './manifest.ts';
import type { ModelConfig } from '../models/config.ts';
import type { Params } from '../models/params.ts';
import type { Charset } from '../text/charset.ts';
import { sha256Bytes, toHex } from './sha256.ts';
import { encodeWeightsFloat16 } from './float16.ts';

export const WEIGHTS_FORMAT = 'webstr-weights';
export const WEIGHTS_VERSION = 1;

export interface Provenance {
  /** Where the weights came from (file name or URL) and its SHA-256. */
  source: string;
  sha256: string;
  importer: string;
  importedAt: string;
  license?: string;
  notes?: string;
}

export interface WebstrMetadata {
  format: typeof WEIGHTS_FORMAT;
  version: number;
  preset: string;
  config: ModelConfig;
  charset: Charset;
  provenance: Provenance;
}

export interface LoadedWeights {
  params: Params;
  meta: WebstrMetadata;
}

export { WeightsFormatError };

export interface SaveOptions {
  /** Store float32 tensors in half precision (half the bytes; loading gives float32 again). */
  float16?: boolean;
}

export async function toArtifacts(params: Params, meta: WebstrMetadata, options: SaveOptions = {}): Promise<tf.io.ModelArtifacts> {
  const named: tf.NamedTensorMap = Object.fromEntries(params);
  const { data, specs } = options.float16 === true ? await encodeWeightsFloat16(named) : await tf.io.encodeWeights(named);
  return {
    modelTopology: undefined,
    weightSpecs: specs,
    weightData: data,
    format: WEIGHTS_FORMAT,
    generatedBy: `webstr (tfjs ${tf.version_core})`,
    convertedBy: meta.provenance.importer,
    userDefinedMetadata: { webstr: meta as unknown as object },
  };
}

/** The `model.json` of a directory save: weights in one `weights.bin` beside it. */
export function modelJson(artifacts: tf.io.ModelArtifacts, binName = 'weights.bin'): object {
  return {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [binName], weights: artifacts.weightSpecs }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
}

function isMetadata(v: unknown): v is WebstrMetadata {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Partial<WebstrMetadata>;
  return m.format === WEIGHTS_FORMAT && typeof m.config === 'object' && typeof m.charset === 'object';
}

function weightDataBytes(d: tf.io.WeightData): number {
  return d instanceof ArrayBuffer ? d.byteLength : d.reduce((a, b) => a + b.byteLength, 0);
}

export function fromArtifacts(a: tf.io.ModelArtifacts): LoadedWeights {
  const meta = (a.userDefinedMetadata as { webstr?: unknown } | undefined)?.webstr;
  if (!isMetadata(meta)) throw new WeightsFormatError(`not webstr weights: model.json has no userDefinedMetadata.webstr of format '${WEIGHTS_FORMAT}'`);
  if (meta.version > WEIGHTS_VERSION) throw new WeightsFormatError(`weights format version ${meta.version} is newer than this build reads (${WEIGHTS_VERSION})`);
  if (a.weightSpecs === undefined || a.weightData === undefined) throw new WeightsFormatError('weights manifest without weight data');
  // The shapes fix the size: checked before any tensor is made (IndexedDB and tf.io handlers come here too).
  const want = declaredBytes(a.weightSpecs);
  const got = weightDataBytes(a.weightData);
  if (got !== want) throw new WeightsSizeError(`weight data is ${got} bytes; the manifest's tensor shapes declare ${want}`);
  let named: tf.NamedTensorMap;
  try {
    named = tf.io.decodeWeights(a.weightData, a.weightSpecs);
  } catch (err) {
    throw new WeightsFormatError(`weights.bin does not match the manifest: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { params: new Map(Object.entries(named)), meta };
}

/** Loads from a tf.io handler (`indexeddb://name`); URLs and dropped files go through manifest.ts's loaders. */
export async function loadWeights(handler: tf.io.IOHandler | string): Promise<LoadedWeights> {
  let h: tf.io.IOHandler;
  if (typeof handler === 'string') {
    const found = tf.io.getLoadHandlers(handler);
    if (found.length === 0 || found[0] === undefined) throw new WeightsFormatError(`no tf.io loader for '${handler}'`);
    h = found[0];
  } else h = handler;
  if (h.load === undefined) throw new WeightsFormatError('the handler cannot load');
  return fromArtifacts(await h.load());
}

/** Saves through a tf.io handler (e.g. 'indexeddb://name'). */
export async function saveWeights(target: tf.io.IOHandler | string, params: Params, meta: WebstrMetadata, options: SaveOptions = {}): Promise<void> {
  const h = typeof target === 'string' ? tf.io.getSaveHandlers(target)[0] : target;
  if (h?.save === undefined) throw new WeightsFormatError(`no tf.io saver for '${typeof target === 'string' ? target : 'the given handler'}'`);
  await h.save(await toArtifacts(params, meta, options));
}

/** SHA-256 as hex: the platform's digest, or sha256.ts where there is none (plain-http pages). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle;
  if (subtle === undefined) return toHex(sha256Bytes(bytes));
  return toHex(new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}
