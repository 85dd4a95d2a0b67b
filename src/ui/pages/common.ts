/** Start-up shared by the pages: the backend switch, the worker, the capability report. */
import '../style.css';
import type { Remote } from 'comlink';
import type { CapabilityReport } from '../../runtime/backend.ts';
import type { RuntimeApi } from '../../../workers/runtime_api.ts';
import { backendSelect, renderCapabilities, renderError } from '../capabilities_view.ts';
import { describeError, requestedBackend } from '../runtime_client.ts';
import { mountStoragePanel, startOffline } from '../storage_panel.ts';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`page is missing #${id}`);
  return e as T;
}

/**
 * Starts the backend named in the URL (`?backend=`, and `?threads=on`) in `api`'s worker and shows the report (or the named error).
 * Sets `document.body.dataset.runtime` to 'ready' or 'error' for tests and styling.
 */
export async function startRuntime(api: Remote<RuntimeApi>): Promise<CapabilityReport | null> {
  const request = requestedBackend();
  byId('backend-control').replaceChildren(backendSelect(request));
  const target = byId('runtime');
  try {
    // ?threads=on: tfjs-wasm's threaded build (off by default: our own kernels then run without SIMD).
    const report = await api.init(request, { wasmThreads: new URLSearchParams(location.search).get('threads') === 'on' });
    renderCapabilities(target, report);
    document.body.dataset.runtime = 'ready';
    return report;
  } catch (err) {
    renderError(target, describeError(err));
    document.body.dataset.runtime = 'error';
    return null;
  }
}

/** What every page has besides its own work: the offline copy (service worker) and the storage section. */
export function startPageExtras(): void {
  mountStoragePanel(byId('app'));
  startOffline().catch((err: unknown) => console.warn('webstr: no offline copy:', err));
}
