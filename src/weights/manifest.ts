/**
 * A weight manifest (`model.json`) is input like any other: its paths are confined to the model's folder
 * or URL prefix, and the bytes it may cause to be read are fixed by its tensor shapes before anything is
 * read. Every loader (folder, URL, dropped files, IndexedDB) goes through these checks.
 */
import type { tf } from '../runtime/tf.ts';
import { UnsafeWeightsPathError, WeightsFormatError, WeightsIntegrityError, WeightsSizeError } from './errors.ts';
import { sha256Bytes, toHex } from './sha256.ts';

export { UnsafeWeightsPathError, WeightsIntegrityError, WeightsSizeError };

/** model.json is small (metadata + the tensor list); larger is refused unread. */
export const MAX_MODEL_JSON_BYTES = 16 << 20;
/** No model of this project comes near this; it keeps one manifest from asking for the tab's memory. */
export const MAX_WEIGHT_BYTES = 1 << 30;

export interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

export interface ParsedModelJson {
  groups: ManifestGroup[];
  specs: tf.io.WeightsManifestEntry[];
  /** Total weight bytes the shapes and dtypes declare (already checked ≤ MAX_WEIGHT_BYTES). */
  bytes: number;
  userDefinedMetadata?: { [key: string]: object };
  format?: string;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** A weights path must be plain relative segments (`weights.bin`, `group1-shard1of2.bin`, `sub/w.bin`). */
export function checkWeightPath(p: unknown, what = 'model.json'): string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 255) throw new UnsafeWeightsPathError(`${what}: weights path ${JSON.stringify(p)} is not a file name`);
  const segments = p.split('/');
  if (segments.some((s) => !SAFE_SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new UnsafeWeightsPathError(`${what}: weights path ${JSON.stringify(p)} leaves the model's folder or is not a plain relative file name (allowed: letters, digits, '.', '_', '-', '/' between names)`);
  }
  return p;
}

/** Bytes of one manifest entry from its shape and dtype (or quantization); throws on anything odd. */
export function specBytes(spec: tf.io.WeightsManifestEntry, what = 'model.json'): number {
  const label = `${what}: tensor ${JSON.stringify(spec?.name)}`;
  if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string') throw new WeightsFormatError(`${what}: a weights entry has no name`);
  if (!Array.isArray(spec.shape) || spec.shape.length > 8) throw new WeightsFormatError(`${label} has no shape (or more than 8 dimensions)`);
  let n = 1;
  for (const d of spec.shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new WeightsFormatError(`${label}: shape ${JSON.stringify(spec.shape)} is not a list of non-negative integers`);
    n *= d;
    if (n > MAX_WEIGHT_BYTES) throw new WeightsSizeError(`${label}: shape ${JSON.stringify(spec.shape)} declares more than ${MAX_WEIGHT_BYTES} elements`);
  }
  const q = spec.quantization;
  if (q !== undefined) {
    const qb = QUANT_BYTES[q.dtype as string];
    if (qb === undefined) throw new WeightsFormatError(`${label}: quantization dtype ${JSON.stringify(q.dtype)} is not read`);
    return n * qb;
  }
  const b = DTYPE_BYTES[spec.dtype as string];
  if (b === undefined) throw new WeightsFormatError(`${label}: dtype ${JSON.stringify(spec.dtype)} is not read (float32, int32, bool, complex64)`);
  return n * b;
}

/** Sum of `specBytes`, bounded by MAX_WEIGHT_BYTES. */
export function declaredBytes(specs: readonly tf.io.WeightsManifestEntry[], what = 'model.json'): number {
  let total = 0;
  for (const s of specs) {
    total += specBytes(s, what);
    if (total > MAX_WEIGHT_BYTES) throw new WeightsSizeError(`${what}: the tensors declare more than ${MAX_WEIGHT_BYTES} bytes`);
  }
  return total;
}

/** Parses and checks a model.json (text or parsed value): paths safe, sizes declared and bounded. */
export function parseModelJson(input: unknown, what = 'model.json'): ParsedModelJson {
  let j: unknown = input;
  if (typeof input === 'string') {
    try {
      j = JSON.parse(input);
    } catch (err) {
      throw new WeightsFormatError(`${what} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (typeof j !== 'object' || j === null) throw new WeightsFormatError(`${what} is not a JSON object`);
  const o = j as { weightsManifest?: unknown; userDefinedMetadata?: unknown; format?: unknown };
  if (!Array.isArray(o.weightsManifest) || o.weightsManifest.length > 1024) throw new WeightsFormatError(`${what} has no weightsManifest list`);
  const groups: ManifestGroup[] = [];
  for (const [i, g] of (o.weightsManifest as unknown[]).entries()) {
    const grp = g as { paths?: unknown; weights?: unknown } | null;
    if (typeof grp !== 'object' || grp === null || !Array.isArray(grp.paths) || !Array.isArray(grp.weights)) {
      throw new WeightsFormatError(`${what}: weightsManifest[${i}] lacks paths or weights`);
    }
    groups.push({ paths: (grp.paths as unknown[]).map((p) => checkWeightPath(p, what)), weights: grp.weights as tf.io.WeightsManifestEntry[] });
  }
  const specs = groups.flatMap((g) => g.weights);
  const bytes = declaredBytes(specs, what);
  return {
    groups,
    specs,
    bytes,
    userDefinedMetadata: typeof o.userDefinedMetadata === 'object' && o.userDefinedMetadata !== null ? (o.userDefinedMetadata as { [key: string]: object }) : undefined,
    format: typeof o.format === 'string' ? o.format : undefined,
  };
}

/** Counts bytes against the declared total: a read may never go past what the shapes declare. */
export class ByteBudget {
  private used = 0;
  constructor(
    readonly total: number,
    private readonly what: string,
  ) {}
  get left(): number {
    return this.total - this.used;
  }
  /** Reserves `n` bytes of `item`; throws before the read when the total would be exceeded. */
  take(n: number, item: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.left) {
      throw new WeightsSizeError(`${this.what}: ${item} is ${n} bytes, more than the ${this.left} bytes the manifest's tensor shapes leave for it (${this.total} in all)`);
    }
    this.used += n;
  }
  finish(): void {
    if (this.used !== this.total) throw new WeightsSizeError(`${this.what}: the weight files hold ${this.used} bytes; the manifest's tensor shapes declare ${this.total}`);
  }
}

/** Joins parts into one buffer. */
export function concatParts(parts: readonly Uint8Array[], total: number): ArrayBuffer {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}

/** Reads a response body, stopping (and cancelling the request) once it passes `max` bytes. */
export async function readBounded(res: Response, max: number, onTooBig: (got: number) => Error): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw onTooBig(declared);
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel().catch(() => undefined);
      throw onTooBig(n);
    }
    chunks.push(value);
  }
  return new Uint8Array(concatParts(chunks, n));
}

/** The artifacts for `fromArtifacts` from a checked manifest and its data. */
export function artifactsOf(m: ParsedModelJson, data: ArrayBuffer): tf.io.ModelArtifacts {
  return { weightSpecs: m.specs, weightData: data, userDefinedMetadata: m.userDefinedMetadata, format: m.format };
}

/**
 * Weights over HTTP: `url` is the model.json; its paths must resolve under the URL's folder (same origin,
 * same prefix) and each body is read only up to what the shapes leave.
 */
/** A model.json URL and the files it names; with `sha256`, the weight bytes (the files concatenated in
 *  manifest order, as models/index.json lists them) must have that digest (WeightsIntegrityError). */
export async function loadManifestUrl(url: string, fetchImpl: typeof fetch = fetch, options: { sha256?: string } = {}): Promise<tf.io.ModelArtifacts> {
  const jsonUrl = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  const res = await fetchImpl(jsonUrl.href);
  if (!res.ok) throw new WeightsFormatError(`${jsonUrl.href}: HTTP ${res.status}`);
  const text = new TextDecoder().decode(await readBounded(res, MAX_MODEL_JSON_BYTES, (n) => new WeightsSizeError(`${jsonUrl.href} is ${n} bytes; a model.json is at most ${MAX_MODEL_JSON_BYTES}`)));
  const m = parseModelJson(text, jsonUrl.href);
  const prefix = new URL('./', jsonUrl).href;
  const budget = new ByteBudget(m.bytes, jsonUrl.href);
  const parts: Uint8Array[] = [];
  for (const p of m.groups.flatMap((g) => g.paths)) {
    const u = new URL(p, prefix);
    if (u.origin !== jsonUrl.origin || !u.href.startsWith(prefix)) throw new UnsafeWeightsPathError(`${jsonUrl.href}: weights path '${p}' resolves to ${u.href}, outside ${prefix}`);
    const r = await fetchImpl(u.href);
    if (!r.ok) throw new WeightsFormatError(`${u.href}: HTTP ${r.status}`);
    const bytes = await readBounded(r, budget.left, (n) => new WeightsSizeError(`${jsonUrl.href}: ${p} is at least ${n} bytes, more than the ${budget.left} bytes the manifest's tensor shapes leave for it (${m.bytes} in all)`));
    budget.take(bytes.length, p);
    parts.push(bytes);
  }
  budget.finish();
  const data = concatParts(parts, m.bytes);
  if (options.sha256 !== undefined) {
    const got = toHex(sha256Bytes(new Uint8Array(data)));
    if (got !== options.sha256.toLowerCase()) throw new WeightsIntegrityError(`${jsonUrl.href}: the weights' SHA-256 is ${got}, expected ${options.sha256}`);
  }
  return artifactsOf(m, data);
}

/** Dropped files: one model.json and the files its paths name (matched by file name, as tf.io does). */
export async function loadManifestFiles(files: readonly File[]): Promise<tf.io.ModelArtifacts> {
  const json = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  if (json === undefined) throw new WeightsFormatError('no model.json among the files');
  if (json.size > MAX_MODEL_JSON_BYTES) throw new WeightsSizeError(`${json.name} is ${json.size} bytes; a model.json is at most ${MAX_MODEL_JSON_BYTES}`);
  const m = parseModelJson(await json.text(), json.name);
  const budget = new ByteBudget(m.bytes, json.name);
  const parts: Uint8Array[] = [];
  for (const p of m.groups.flatMap((g) => g.paths)) {
    const base = p.split('/').pop()!;
    const f = files.find((x) => x !== json && x.name === base);
    if (f === undefined) throw new WeightsFormatError(`${json.name} names '${p}', which is not among the files (${files.map((x) => x.name).join(', ')})`);
    budget.take(f.size, f.name);
    parts.push(new Uint8Array(await f.arrayBuffer()));
  }
  budget.finish();
  return artifactsOf(m, concatParts(parts, m.bytes));
}
