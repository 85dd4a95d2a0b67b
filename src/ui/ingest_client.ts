/** Page side of the ingest worker. */
import type { Remote } from 'comlink';
import type { IngestApi } from '../../workers/ingest.ts';
import { WorkerClient } from './worker_client.ts';

/** The ingest worker; a crash rejects the pending import with WorkerCrashedError and the next call gets a fresh worker. */
export function startIngestWorker(): { api: Remote<IngestApi>; terminate: () => void } {
  const client = new WorkerClient<IngestApi>('ingest', (name) => new Worker(new URL('../../workers/ingest.ts', import.meta.url), { type: 'module', name }));
  client.onCrash(() => client.restart());
  return { api: client.api, terminate: () => client.terminate() };
}

/** The `data.mdb` among a folder's files (an `<input webkitdirectory>` pick), else the single file given. */
export function pickDataMdb(files: readonly File[]): File | undefined {
  return files.find((f) => f.name === 'data.mdb') ?? (files.length === 1 ? files[0] : undefined);
}

/** Files of a drop: plain files, or the contents of a dropped folder (one level, as LMDB folders are). */
export async function droppedFiles(dt: DataTransfer): Promise<File[]> {
  const out: File[] = [];
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const fileOf = (e: FileSystemFileEntry) => new Promise<File>((res, rej) => e.file(res, rej));
  for (const e of entries) {
    if (e.isFile) out.push(await fileOf(e as FileSystemFileEntry));
    else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      const children = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      for (const c of children) if (c.isFile) out.push(await fileOf(c as FileSystemFileEntry));
    }
  }
  if (out.length === 0) out.push(...dt.files);
  return out;
}
