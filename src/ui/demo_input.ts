/**
 * Where the demo's images come from: dropped files and folders (DataTransfer entries, walked
 * recursively), pasted images, picked files, bundled samples. Everything becomes a `File`.
 */

/** Files above this are refused on the page, unread (the CLI has the same bound). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: File[]): Promise<void> {
  if (entry.isFile) {
    const f = await entryFile(entry as FileSystemFileEntry);
    out.push(prefix === '' ? f : new File([f], `${prefix}${f.name}`, { type: f.type, lastModified: f.lastModified }));
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    const children: FileSystemEntry[] = [];
    // readEntries returns batches (≤ 100 in Chromium) until an empty one.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) children.push(...batch);
    children.sort((a, b) => a.name.localeCompare(b.name));
    for (const c of children) await walk(c, `${prefix}${entry.name}/`, out);
  }
}

/** Files of a drop, folders included (their files named `folder/sub/file.png`). Call synchronously in
 *  the drop handler: the DataTransfer's items are only readable during the event. */
export function droppedImageFiles(dt: DataTransfer): Promise<File[]> {
  const entries: FileSystemEntry[] = [];
  const plain: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry !== null) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f !== null) plain.push(f);
    }
  }
  if (entries.length === 0 && plain.length === 0) plain.push(...Array.from(dt.files));
  return (async () => {
    const out: File[] = [...plain];
    for (const e of entries) await walk(e, '', out);
    return out;
  })();
}

/** Images pasted from the clipboard (screenshots come as unnamed `image.png`: numbered here). */
export function pastedFiles(e: ClipboardEvent, counter: () => number): File[] {
  const files = Array.from(e.clipboardData?.files ?? []);
  return files.map((f) => (f.name === '' || f.name === 'image.png' ? new File([f], `pasted-${counter()}.${f.type.split('/')[1] ?? 'png'}`, { type: f.type }) : f));
}

export const SAMPLES = ['01-coffee.png', '02-station.png', '03-exit.png', '04-open.png', '05-2024.png', '06-library.png'] as const;

export async function fetchSample(name: string): Promise<File> {
  const r = await fetch(`./samples/${name}`);
  if (!r.ok) throw new Error(`sample ${name}: HTTP ${r.status}`);
  return new File([await r.blob()], name, { type: 'image/png' });
}
