/** Model file kinds and stored-model keys; free of tfjs, so pages can import it. */

export type ModelFileKind = 'onnx' | 'pth';

export function modelFileKind(name: string): ModelFileKind | null {
  const n = name.toLowerCase();
  if (n.endsWith('.onnx')) return 'onnx';
  if (n.endsWith('.pth') || n.endsWith('.pt')) return 'pth';
  return null;
}

export function storedModelKey(preset: string, fileName: string): string {
  return `webstr/${preset}/${fileName}`;
}

/** `webstr/<preset>/<file>` → its parts; null for keys written by something else. */
export function parseStoredModelKey(key: string): { preset: string; fileName: string } | null {
  const m = /^webstr\/([^/]+)\/(.+)$/.exec(key);
  return m === null ? null : { preset: m[1]!, fileName: m[2]! };
}

/** What a stored model is called in tables, CSV and history: its file name without the model-file extension. */
export function storedModelName(key: string): string {
  const parsed = parseStoredModelKey(key.replace(/^indexeddb:\/\//, ''));
  const file = parsed?.fileName ?? key.split('/').pop() ?? key;
  return file.replace(/\.(onnx|pth|pt|json)$/i, '');
}
