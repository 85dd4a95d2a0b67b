/**
 * The dataset panel of the benchmark page: import an LMDB (file, folder or drop) or a shard folder URL
 * into IndexedDB with progress and cancel; list, inspect (sample gallery) and delete datasets; resume or
 * discard unfinished imports. Other parts of the page follow the list through the returned handle's
 * `onChange`. State for tests: `body[data-ingest]` (idle|running|done|cancelled|error), `body[data-datasets]`
 * and `window.webstrIngest`.
 */
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import type { IngestProgress, IngestResult } from '../data/ingest.ts';
import type { IngestApi, ImportSettings } from '../../workers/ingest.ts';
import { describeError } from './runtime_client.ts';
import { droppedFiles, pickDataMdb } from './ingest_client.ts';
import { el } from './dom.ts';
import { storedSomething } from './storage_panel.ts';

declare global {
  interface Window {
    webstrIngest?: { progress: IngestProgress | null; result: IngestResult | null; error: { name: string; message: string } | null };
  }
}


const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

export interface DatasetsPanel {
  /** `listener` hears each time the list of datasets was read again (after an import or a deletion); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export function mountDatasetsPanel(root: HTMLElement, api: Remote<IngestApi>): DatasetsPanel {
  const listeners = new Set<() => void>();
  const params = new URLSearchParams(location.search);
  const state: NonNullable<Window['webstrIngest']> = { progress: null, result: null, error: null };
  window.webstrIngest = state;
  document.body.dataset.ingest = 'idle';

  const fileInput = el('input', { type: 'file', testid: 'lmdb-file', accept: '.mdb' });
  const folderInput = el('input', { type: 'file', testid: 'lmdb-folder' });
  folderInput.webkitdirectory = true;
  const spp = el('input', { type: 'number', min: '1', value: params.get('spp') ?? '1000', testid: 'samples-per-shard' });
  spp.style.width = '6rem';
  const nameInput = el('input', { type: 'text', placeholder: 'folder or file name', testid: 'dataset-name' });
  const urlInput = el('input', { type: 'url', placeholder: 'shard folder URL (…/manifest.json beside it)', testid: 'shard-url', ariaLabel: 'Shard folder URL' });
  urlInput.style.width = '24rem';
  const urlButton = el('button', { type: 'button', textContent: 'Import shards', testid: 'shard-import' });
  const cancel = el('button', { type: 'button', textContent: 'Cancel', disabled: true, testid: 'ingest-cancel' });
  const bar = el('progress', { max: 1, value: 0, ariaLabel: 'Import progress' });
  bar.style.width = '20rem';
  const status = el('div', { role: 'status', testid: 'ingest-status' });
  const drop = el('div', { className: 'dropzone', testid: 'dropzone', textContent: 'Drop a data.mdb or an LMDB folder here' });
  const pending = el('div', { testid: 'pending' });
  const table = el('div', { testid: 'datasets' });
  const gallery = el('div', { testid: 'gallery' });

  root.append(
    el('p', {}, el('label', {}, 'LMDB file ', fileInput), ' ', el('label', {}, 'or folder ', folderInput), ' ', el('label', {}, 'name ', nameInput), ' ', el('label', {}, 'samples per shard ', spp)),
    drop,
    el('p', {}, urlInput, ' ', urlButton),
    el('p', {}, bar, ' ', cancel),
    status,
    el('h3', { textContent: 'Unfinished imports' }),
    pending,
    el('h3', { textContent: 'Datasets in this browser' }),
    table,
    gallery,
  );

  const settings = (): ImportSettings => ({ name: nameInput.value.trim() || undefined, samplesPerShard: Math.max(1, Number(spp.value) || 1000), skipQuotaCheck: params.get('skipQuota') === '1', throttleMs: Number(params.get('throttleMs') ?? 0), readBlockBytes: params.has('blockKiB') ? Number(params.get('blockKiB')) * 1024 : undefined });

  const onProgress = (p: IngestProgress) => {
    state.progress = p;
    bar.value = p.totalSamples > 0 ? p.samples / p.totalSamples : 0;
    status.dataset.shards = String(p.shards);
    status.textContent =
      `${p.name}: ${p.samples}/${p.totalSamples} samples · shard ${p.shards}/${p.totalShards} · ${mb(p.bytes)} of ~${mb(p.totalBytes)} · ` +
      `${p.mbPerSecond.toFixed(1)} MB/s · ${p.samplesPerSecond.toFixed(0)} samples/s · ETA ${Number.isFinite(p.etaSeconds) ? `${p.etaSeconds.toFixed(0)} s` : '…'}` +
      (p.resumedFromShard > 0 ? ` · resumed from shard ${p.resumedFromShard}` : '');
  };

  const start = async (job: (progress: (p: IngestProgress) => void) => Promise<IngestResult>) => {
    state.error = null;
    state.result = null;
    document.body.dataset.ingest = 'running';
    cancel.disabled = false;
    try {
      const res = await job(Comlink.proxy(onProgress));
      state.result = res;
      document.body.dataset.ingest = 'done';
      if (!res.alreadyImported) void storedSomething();
      status.textContent = res.alreadyImported
        ? `${res.manifest.name} is already imported (${res.manifest.sampleCount} samples)`
        : `imported ${res.manifest.name}: ${res.manifest.sampleCount} samples in ${res.manifest.shards.length} shards, ${res.seconds.toFixed(1)} s` + (res.resumedFromShard > 0 ? ` (resumed from shard ${res.resumedFromShard})` : '');
    } catch (err) {
      const e = describeError(err);
      state.error = e;
      document.body.dataset.ingest = e.name === 'ImportCancelledError' ? 'cancelled' : 'error';
      status.replaceChildren(el('span', { className: 'error', testid: 'error', textContent: `${e.name}: ${e.message}` }));
      status.querySelector('[data-testid=error]')?.setAttribute('data-error-name', e.name);
    } finally {
      cancel.disabled = true;
      await refresh();
    }
  };

  const importFile = (files: readonly File[]) => {
    const file = pickDataMdb(files);
    if (file === undefined) {
      status.textContent = 'no data.mdb among the picked files';
      return;
    }
    void start((p) => api.importLmdb(file, settings(), p));
  };

  fileInput.addEventListener('change', () => importFile([...(fileInput.files ?? [])]));
  folderInput.addEventListener('change', () => importFile([...(folderInput.files ?? [])]));
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer !== null) void droppedFiles(e.dataTransfer).then(importFile);
  });
  urlButton.addEventListener('click', () => {
    const url = urlInput.value.trim();
    if (url !== '') void start((p) => api.importShardUrl(new URL(url, location.href).href, settings(), p));
  });
  cancel.addEventListener('click', () => void api.cancel());

  const showGallery = async (id: string, startAt: number) => {
    const { summary, samples } = await api.inspect(id, startAt, 24);
    const urls: string[] = [];
    const grid = el('div', { className: 'gallery' });
    grid.style.cssText = 'display:flex;flex-wrap:wrap;gap:0.5rem';
    for (const s of samples) {
      const url = URL.createObjectURL(new Blob([s.image as BlobPart]));
      urls.push(url);
      grid.append(el('figure', {}, el('img', { src: url, alt: s.label, height: 32 }), el('figcaption', { textContent: `${s.index}: ${s.label}` })));
    }
    const prev = el('button', { type: 'button', textContent: '‹ prev', disabled: startAt <= 1 });
    const next = el('button', { type: 'button', textContent: 'next ›', disabled: startAt + 24 > summary.samples });
    prev.addEventListener('click', () => void showGallery(id, Math.max(1, startAt - 24)));
    next.addEventListener('click', () => void showGallery(id, startAt + 24));
    for (const u of gallery.dataset.urls?.split(' ') ?? []) if (u) URL.revokeObjectURL(u);
    gallery.dataset.urls = urls.join(' ');
    gallery.replaceChildren(
      el('h3', { textContent: `${summary.name}: samples ${startAt}–${startAt + samples.length - 1} of ${summary.samples}` }),
      el('p', { textContent: `${summary.charCount} distinct characters (top: ${summary.topChars.map(([c, n]) => `${JSON.stringify(c)}×${n}`).join(' ')}); label length ${summary.minLength}–${summary.maxLength}; ${summary.dtrbDefaultKept} kept by the DTRB default filter` }),
      el('p', {}, prev, ' ', next),
      grid,
    );
  };

  const refresh = async () => {
    const [list, unfinished] = await Promise.all([api.list(), api.pending()]);
    table.replaceChildren(
      list.length === 0
        ? el('p', { textContent: 'none yet' })
        : el(
            'table',
            {},
            el('thead', {}, el('tr', {}, ...['name', 'samples', 'shards', 'size', 'characters', 'imported', ''].map((h) => el('th', { textContent: h })))),
            el(
              'tbody',
              {},
              ...list.map((d) => {
                const inspect = el('button', { type: 'button', textContent: 'Inspect' });
                const del = el('button', { type: 'button', textContent: 'Delete' });
                inspect.addEventListener('click', () => void showGallery(d.id, 1));
                del.addEventListener('click', () => void api.delete(d.id).then(refresh));
                const row = el('tr', {}, el('td', { textContent: d.name }), el('td', { className: 'num', textContent: String(d.samples) }), el('td', { className: 'num', textContent: String(d.shards) }), el('td', { className: 'num', textContent: mb(d.bytes) }), el('td', { className: 'num', textContent: String(d.charCount) }), el('td', { textContent: d.createdAt.slice(0, 19).replace('T', ' ') }), el('td', {}, inspect, ' ', del));
                row.dataset.dataset = d.name;
                row.dataset.samples = String(d.samples);
                return row;
              }),
            ),
          ),
    );
    pending.replaceChildren(
      ...(unfinished.length === 0
        ? [el('p', { textContent: 'none' })]
        : unfinished.map((p) => {
            const discard = el('button', { type: 'button', textContent: 'Discard' });
            discard.addEventListener('click', () => void api.delete(p.id).then(refresh));
            const row = el('p', {}, `${p.name}: ${p.samplesDone}/${p.totalSamples} samples in ${p.shardsDone} shards. Pick the same file again to resume. `, discard);
            row.dataset.pending = p.name;
            return row;
          })),
    );
    document.body.dataset.datasets = String(list.length);
    for (const l of listeners) l();
  };
  void refresh();
  return {
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
