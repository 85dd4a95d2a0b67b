/**
 * What the app keeps in this browser and how to free it, on every page: the storage used and allowed
 * (`navigator.storage.estimate()`), whether it is persistent, the offline copy (service worker cache), and
 * buttons that delete stored models, datasets, runs or the offline copy after a confirmation. Also the
 * service worker registration (`startOffline`) and the persistence request made when the user stores
 * something (`storedSomething`).
 */
import { el } from './dom.ts';

/** IndexedDB databases by what they hold (names as src/data/store.ts, src/train/idb_store.ts,
 *  src/ui/bench_history.ts and tfjs's `indexeddb://` model store use; storage_panel.test.ts checks them). */
export const STORES = {
  models: { label: 'stored models', dbs: ['tensorflowjs'] },
  datasets: { label: 'imported datasets', dbs: ['webstr-data'] },
  runs: { label: 'training runs and benchmark history', dbs: ['webstr-train', 'webstr-bench'] },
} as const;
export type StoreKind = keyof typeof STORES;

/** The service worker's caches start with this (workers/offline_plan.ts). */
export const OFFLINE_PREFIX = 'webstr-offline-';
/** localStorage: 'off' once the user deleted the offline copy (the pages then register no service worker). */
export const OFFLINE_PREF = 'webstr.offline';

/** `n` bytes as a short size: 0 B, 812 kB, 10.7 MB, 2.1 GB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** One line on storage: used, allowed, the share in IndexedDB and in the offline cache when the browser says. */
export function usageLine(e: { usage?: number; quota?: number; usageDetails?: Record<string, number> }, persisted: boolean | null): string {
  const parts = [`Uses ${formatBytes(e.usage ?? 0)} of ${formatBytes(e.quota ?? 0)} allowed`];
  const d = e.usageDetails;
  if (d !== undefined) {
    const detail = [d.indexedDB !== undefined ? `${formatBytes(d.indexedDB)} stored data` : null, d.caches !== undefined ? `${formatBytes(d.caches)} offline copy` : null].filter((x) => x !== null);
    if (detail.length > 0) parts[0] += ` (${detail.join(', ')})`;
  }
  if (persisted !== null) parts.push(persisted ? 'persistent: the browser will not evict it' : 'not persistent: the browser may evict it under storage pressure');
  return `${parts.join(' · ')}.`;
}

function deleteDb(name: string, onBlocked: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error ?? new Error(`could not delete ${name}`));
    r.onblocked = onBlocked;
  });
}

async function offlineCaches(): Promise<string[]> {
  if (typeof caches === 'undefined') return [];
  return (await caches.keys()).filter((k) => k.startsWith(OFFLINE_PREFIX));
}

/** Registers the service worker (production builds, unless the user deleted the offline copy). */
export async function startOffline(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || localStorage.getItem(OFFLINE_PREF) === 'off') return;
  await navigator.serviceWorker.register(new URL('./sw.js', document.baseURI), { scope: './', type: 'module' });
}

let refreshPanel: (() => Promise<void>) | null = null;

/** Call after the user stored a model or a dataset: asks for persistent storage (once granted, the
 *  browser keeps it under pressure) and updates the panel. */
export async function storedSomething(): Promise<void> {
  const s = navigator.storage as StorageManager | undefined;
  if (s !== undefined && !(await s.persisted())) await s.persist();
  await refreshPanel?.();
}

/** The storage section, in a <footer> after the page's <main>. State for tests: body[data-storage] = 'ready'. */
export function mountStoragePanel(main: HTMLElement): void {
  const usage = el('p', { testid: 'storage-usage', textContent: 'Measuring…' });
  const offline = el('p', { testid: 'offline-status' });
  const status = el('p', { role: 'status', testid: 'storage-status' });
  status.setAttribute('aria-live', 'polite');
  const buttons = el('p', { className: 'row' });
  const section = el('section', { className: 'storage', id: 'storage' }, el('h2', { id: 'storage-title', textContent: 'Storage in this browser' }), usage, offline, buttons, status);
  section.setAttribute('aria-labelledby', 'storage-title');
  main.after(el('footer', { className: 'storage' }, section));

  const refresh = async (): Promise<void> => {
    const s = navigator.storage as StorageManager | undefined;
    if (s === undefined) {
      usage.textContent = 'This browser does not report storage use here (it needs a secure context: https or localhost).';
    } else {
      usage.textContent = usageLine(await s.estimate(), await s.persisted());
    }
    const keys = await offlineCaches();
    let n = 0;
    for (const k of keys) n += (await (await caches.open(k)).keys()).length;
    offline.dataset.files = String(n);
    offline.textContent =
      n > 0
        ? `Offline copy: ${n} files of the app and its shipped models are kept, so the pages work without a network.`
        : localStorage.getItem(OFFLINE_PREF) === 'off'
          ? 'Offline copy: off (you deleted it). Keep one to use the pages without a network.'
          : 'Offline copy: not made yet (it is made on the first visit of a production build).';
    keepOffline.hidden = localStorage.getItem(OFFLINE_PREF) !== 'off';
    document.body.dataset.storage = 'ready';
  };
  refreshPanel = refresh;

  const run = (label: string, job: () => Promise<void>, reload: boolean): void => {
    if (!confirm(`Delete ${label} from this browser? This cannot be undone.`)) return;
    status.textContent = `Deleting ${label}…`;
    job().then(
      async () => {
        status.textContent = `Deleted ${label}.${reload ? ' Reloading the page…' : ''}`;
        if (reload) location.reload();
        else await refresh();
      },
      (err: unknown) => {
        status.textContent = `Could not delete ${label}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      },
    );
  };
  for (const [kind, store] of Object.entries(STORES) as [StoreKind, (typeof STORES)[StoreKind]][]) {
    const b = el('button', { type: 'button', textContent: `Delete ${store.label}`, testid: `delete-${kind}` });
    b.addEventListener('click', () =>
      run(
        store.label,
        async () => {
          for (const db of store.dbs) await deleteDb(db, () => (status.textContent = `Waiting for other webstr tabs to close ${db}…`));
        },
        true,
      ),
    );
    buttons.append(b, ' ');
  }
  const dropOffline = el('button', { type: 'button', textContent: 'Delete the offline copy', testid: 'delete-offline' });
  dropOffline.addEventListener('click', () =>
    run(
      'the offline copy',
      async () => {
        localStorage.setItem(OFFLINE_PREF, 'off');
        for (const r of (await navigator.serviceWorker?.getRegistrations()) ?? []) await r.unregister();
        for (const k of await offlineCaches()) await caches.delete(k);
      },
      false,
    ),
  );
  const keepOffline = el('button', { type: 'button', textContent: 'Keep an offline copy', testid: 'keep-offline', hidden: true });
  keepOffline.addEventListener('click', () => {
    localStorage.removeItem(OFFLINE_PREF);
    status.textContent = 'Making the offline copy…';
    startOffline()
      .then(() => navigator.serviceWorker.ready)
      .then(refresh)
      .then(() => (status.textContent = 'Offline copy made.'))
      .catch((err: unknown) => (status.textContent = `Could not make the offline copy: ${String(err)}`));
  });
  buttons.append(dropOffline, ' ', keepOffline);
  void refresh();
}
