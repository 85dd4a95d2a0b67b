/**
 * The service worker: keeps the app (pages, JS, CSS, wasm, samples, shipped models) for offline use.
 * Install fetches every file of the build into a cache named after the build's version; activate deletes
 * the caches of older builds. Pages are network-first with the cached copy as the fallback; the other
 * files are cache-first (their names carry a content hash, or they are versioned by the build). Cached
 * responses keep the headers they were served with, COOP/COEP included, so the pages stay
 * cross-origin isolated offline. The build prepends `self.__WEBSTR_OFFLINE__` (vite.config.ts).
 */
import { cacheName, pageKey, staleCaches, strategyFor, type OfflineManifest } from './offline_plan.ts';

// The DOM lib has no service-worker event types; the few members used here.
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface SwScope {
  __WEBSTR_OFFLINE__?: OfflineManifest;
  registration: ServiceWorkerRegistration;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', f: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', f: (e: FetchEvent) => void): void;
}
const sw = self as unknown as SwScope;

const manifest: OfflineManifest = sw.__WEBSTR_OFFLINE__ ?? { version: 'unbuilt', files: [] };
const files = new Set(manifest.files);
const CACHE = cacheName(manifest.version);
const scope = (): string => sw.registration.scope;

sw.addEventListener('install', (e) => {
  e.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(manifest.files.map((f) => new URL(f, scope()).href));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      for (const k of staleCaches(await caches.keys(), manifest.version)) await caches.delete(k);
      await sw.clients.claim();
    })(),
  );
});

/** Keeps `r` under `key`, unless the user deleted the offline copy (then the cache is not made again by a
 *  page this worker still controls until it unloads). */
async function keep(key: Request | string, r: Response): Promise<void> {
  if (await caches.has(CACHE)) await (await caches.open(CACHE)).put(key, r);
}

async function networkFirst(req: Request): Promise<Response> {
  const key = pageKey(req.url, scope());
  try {
    const r = await fetch(req);
    if (r.ok && !r.redirected) await keep(key, r.clone());
    return r;
  } catch (err) {
    const hit = await caches.match(key, { cacheName: CACHE, ignoreVary: true });
    if (hit !== undefined) return hit;
    throw err;
  }
}

async function cacheFirst(req: Request): Promise<Response> {
  const hit = await caches.match(req, { cacheName: CACHE, ignoreSearch: true, ignoreVary: true });
  if (hit !== undefined) return hit;
  const r = await fetch(req);
  if (r.ok && r.type === 'basic') await keep(req, r.clone());
  return r;
}

sw.addEventListener('fetch', (e) => {
  const s = strategyFor(e.request.url, scope(), files, e.request.method);
  if (s === 'pass') return;
  e.respondWith(s === 'network-first' ? networkFirst(e.request) : cacheFirst(e.request));
});
