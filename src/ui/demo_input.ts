/**
 * Where the demo's images come from: dropped files and folders (DataTransfer entries, walked
 * recursively), pasted images, picked files, bundled samples. Everything becomes a `File`;
 * `mountImageInput` wires the page's controls for them.
 */
import { modelFileKind } from '../recognize/model_source.ts';
import { el, part } from './dom.ts';

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

/** Makes `zone` take drops (highlighted while something is dragged over it). */
export function dropTarget(zone: HTMLElement, onDrop: (dt: DataTransfer) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer !== null) onDrop(e.dataTransfer);
  });
}

export interface ImageInputEvents {
  /** Images to recognise, in the order given. */
  onImages: (files: File[]) => void;
  /** A model file dropped with the images: to import, not to recognise. */
  onModelFile: (file: File) => void;
  /** A drop or a sample that could not be read. */
  onError: (err: unknown) => void;
}

/**
 * The images section's inputs inside `root`: the drop zone (#drop; Enter or a click picks files), the
 * file and folder pickers, the samples list (#samples), and paste anywhere on the page. A drop outside
 * the zones does not navigate away.
 */
export function mountImageInput(root: HTMLElement, on: ImageInputEvents): void {
  const drop = part(root, 'drop');
  const imageFiles = part<HTMLInputElement>(root, 'image-files');
  const imageFolder = part<HTMLInputElement>(root, 'image-folder');
  imageFolder.webkitdirectory = true;

  dropTarget(drop, (dt) => {
    droppedImageFiles(dt).then((files) => {
      on.onImages(files.filter((f) => modelFileKind(f.name) === null));
      const model = files.find((f) => modelFileKind(f.name) !== null);
      if (model !== undefined) on.onModelFile(model);
    }, on.onError);
  });
  drop.addEventListener('click', () => imageFiles.click());
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      imageFiles.click();
    }
  });
  for (const input of [imageFiles, imageFolder]) {
    input.addEventListener('change', () => {
      const files = Array.from(input.files ?? []);
      input.value = '';
      if (files.length > 0) on.onImages(files);
    });
  }
  let pasted = 0;
  document.addEventListener('paste', (e) => {
    const files = pastedFiles(e, () => ++pasted);
    if (files.length > 0) {
      e.preventDefault();
      on.onImages(files);
    }
  });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  part(root, 'samples').append(
    ...SAMPLES.map((name) => {
      const b = el('button', { type: 'button', testid: 'sample' }, el('img', { src: `./samples/${name}`, alt: `Sample: ${name.replace(/^\d+-|\.png$/g, '')}` }));
      b.dataset.sample = name;
      b.addEventListener('click', () => void fetchSample(name).then((f) => on.onImages([f]), on.onError));
      return el('li', {}, b);
    }),
  );
}
