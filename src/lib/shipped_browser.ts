/**
 * Shipped models by name in a page (`createRecognizer({ model: 'ppocr-v4' })`): the package serves them
 * beside its browser build (`models/index.json` and `models/<name>/`, copied there by `npm run build:lib`),
 * or wherever `modelBaseUrl` points. The listing gives each model's size and SHA-256; the weights are
 * checked against both before any worker sees them, and kept in Cache Storage so a later visit (or an
 * offline one) reads them from there (checked again). Free of tfjs: runs on the page's thread.
 */
import { ModelUnavailableError } from '../recognize/model_source.ts';
import { isShippedModelName, SHIPPED_MODELS, type ShippedListing } from '../recognize/registry.ts';
import { WeightsIntegrityError } from '../weights/errors.ts';
import { sha256Bytes, toHex } from '../weights/sha256.ts';

/** The Cache Storage cache of shipped models fetched by the library. */
export const MODEL_CACHE = 'webstr-models-v1';

/** The package's models folder, beside its built index.js (an identifier: bundlers leave the URL alone). */
const PACKAGE_MODELS = './models/';
export function packageModelsUrl(): URL {
  return new URL(PACKAGE_MODELS, import.meta.url);
}

/** SHA-256 as hex: WebCrypto where the page is a secure context, else the bundled implementation. */
export async function sha256HexOf(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis.crypto as Crypto | undefined)?.subtle;
  if (subtle === undefined) return toHex(sha256Bytes(bytes));
  return toHex(new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

async function openCache(): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(MODEL_CACHE);
  } catch {
    return null; // an opaque origin or storage turned off: no cache, fetched each time
  }
}

/** The listing: from the network when it answers (a new build shows at once), else the cached copy. */
async function fetchListing(url: URL, cache: Cache | null, name: string): Promise<ShippedListing[]> {
  let res: Response | undefined;
  let why = '';
  try {
    res = await fetch(url);
    if (res.ok) await cache?.put(url, res.clone()).catch(() => undefined);
    else why = `HTTP ${res.status}`;
  } catch (err) {
    why = err instanceof Error ? err.message : String(err);
  }
  if (res === undefined || !res.ok) res = (await cache?.match(url)) ?? undefined;
  if (res === undefined || !res.ok) {
    throw new ModelUnavailableError(
      `model '${name}': no listing at ${url.href} (${why}). Serve the package's dist-lib/browser/models/ folder with your app and pass modelBaseUrl: the URL of that folder`,
    );
  }
  const j = (await res.json()) as { models?: ShippedListing[] };
  return j.models ?? [];
}

async function fetchBytes(url: URL, cache: Cache | null, fresh: boolean): Promise<Uint8Array> {
  const hit = fresh ? undefined : await cache?.match(url);
  const res = hit ?? (await fetch(url));
  if (!res.ok) throw new ModelUnavailableError(`${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function readModel(name: string, base: URL, listing: ShippedListing, cache: Cache | null, fresh: boolean): Promise<File[]> {
  // The listing's path is relative to the app root (`models/<name>/model.json`); here, to the models folder.
  const jsonUrl = new URL(listing.path.replace(/^models\//, ''), base);
  const prefix = new URL('./', jsonUrl).href;
  const jsonBytes = await fetchBytes(jsonUrl, cache, fresh);
  const manifest = JSON.parse(new TextDecoder().decode(jsonBytes)) as { weightsManifest?: { paths?: unknown }[] };
  const paths = (manifest.weightsManifest ?? []).flatMap((g) => (Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : []));
  const parts: { url: URL; bytes: Uint8Array }[] = [];
  for (const p of paths) {
    const url = new URL(p, prefix);
    if (!url.href.startsWith(prefix)) throw new WeightsIntegrityError(`${jsonUrl.href}: weights path '${p}' leaves the model's folder`);
    parts.push({ url, bytes: await fetchBytes(url, cache, fresh) });
  }
  const all = new Uint8Array(parts.reduce((a, p) => a + p.bytes.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p.bytes, at);
    at += p.bytes.length;
  }
  if (all.length !== listing.bytes) throw new WeightsIntegrityError(`model '${name}' (${jsonUrl.href}): ${all.length} bytes of weights, the listing says ${listing.bytes}`);
  const got = await sha256HexOf(all);
  if (got !== listing.sha256.toLowerCase()) throw new WeightsIntegrityError(`model '${name}' (${jsonUrl.href}): the weights' SHA-256 is ${got}, the listing says ${listing.sha256}`);
  if (cache !== null) {
    const put = (url: URL, bytes: Uint8Array): Promise<void> => cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>)).catch(() => undefined);
    await Promise.all([put(jsonUrl, jsonBytes), ...parts.map((p) => put(p.url, p.bytes))]);
  }
  const fileName = (u: URL): string => decodeURIComponent(u.pathname.split('/').pop() ?? 'model.json');
  const files = [new File([jsonBytes as Uint8Array<ArrayBuffer>], fileName(jsonUrl)), ...parts.map((p) => new File([p.bytes as Uint8Array<ArrayBuffer>], fileName(p.url)))];
  return files;
}

export interface ShippedFiles {
  /** model.json and its weight files, checked against the listing. */
  files: File[];
  listing: ShippedListing;
}

/**
 * A shipped model's files by name, or null for a name the registry does not know. `base`: the folder
 * holding `index.json` (default: the package's own). A cached copy that no longer matches the listing
 * (a new build) is fetched again.
 */
export async function shippedModelFiles(name: string, base: URL = packageModelsUrl()): Promise<ShippedFiles | null> {
  if (!isShippedModelName(name)) return null;
  const folder = new URL('./', base.href.endsWith('/') ? base : new URL(`${base.href}/`));
  const cache = await openCache();
  const listings = await fetchListing(new URL('index.json', folder), cache, name);
  const listing = listings.find((m) => m.name === name);
  if (listing === undefined) {
    throw new ModelUnavailableError(`model '${name}' is not among the models served at ${folder.href} (${listings.map((m) => m.name).join(', ') || 'none'}); shipped models: ${SHIPPED_MODELS.map((m) => m.name).join(', ')}`);
  }
  try {
    return { files: await readModel(name, folder, listing, cache, false), listing };
  } catch (err) {
    if (cache === null || !(err instanceof WeightsIntegrityError)) throw err;
    return { files: await readModel(name, folder, listing, cache, true), listing };
  }
}
