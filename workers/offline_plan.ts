/**
 * What the service worker (workers/sw.ts) does with each request, as pure functions so they are tested in
 * Node. The build (vite.config.ts, `offlineManifest`) writes the list of files to keep and a version; the
 * cache is named after the version, so a new build installs beside the old cache and then deletes it.
 */

/** Caches owned by the app start with this; the storage panel deletes them by the same prefix. */
export const OFFLINE_CACHE_PREFIX = 'webstr-offline-';

export interface OfflineManifest {
  /** Hash of every file's name and content: changes with any change to the build. */
  version: string;
  /** Paths relative to the app root (the service worker's scope), e.g. `assets/index-abc.js`. */
  files: string[];
}

export type Strategy =
  /** Network first, the cached page when the network fails (HTML: a new build is seen at once online). */
  | 'network-first'
  /** The cached copy, else the network (content-hashed assets and the shipped models never change under a name). */
  | 'cache-first'
  /** Not the app's: left to the browser (other origins, data the tests serve, API-like paths). */
  | 'pass';

export function cacheName(version: string): string {
  return `${OFFLINE_CACHE_PREFIX}${version}`;
}

/** The caches an activating worker of `version` deletes: the app's caches of other versions (never another
 *  app's caches on the same origin). */
export function staleCaches(keys: readonly string[], version: string): string[] {
  return keys.filter((k) => k.startsWith(OFFLINE_CACHE_PREFIX) && k !== cacheName(version));
}

/** The path of `url` relative to `scope` (both absolute), or null when it lies outside the scope. */
export function scopePath(url: string, scope: string): string | null {
  const u = new URL(url);
  const s = new URL(scope);
  if (u.origin !== s.origin || !u.pathname.startsWith(s.pathname)) return null;
  return u.pathname.slice(s.pathname.length);
}

/**
 * The strategy for a GET of `url`: pages (and the scope root) network-first, the build's other files
 * cache-first, anything the build did not list passes through untouched (so requests the app makes for
 * user data, or a test serves, behave as without a service worker).
 */
export function strategyFor(url: string, scope: string, files: ReadonlySet<string>, method = 'GET'): Strategy {
  if (method !== 'GET') return 'pass';
  const p = scopePath(url, scope);
  if (p === null) return 'pass';
  if (p === '' || p.endsWith('.html')) return files.has(p === '' ? 'index.html' : p) ? 'network-first' : 'pass';
  return files.has(p) ? 'cache-first' : 'pass';
}

/** The cache key of a page request: the page without its query (`index.html?backend=wasm` → `index.html`,
 *  the scope root → `index.html`). */
export function pageKey(url: string, scope: string): string {
  const p = scopePath(url, scope) ?? '';
  return new URL(p === '' ? 'index.html' : p, scope).href;
}
