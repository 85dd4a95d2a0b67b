/** Node-only: the weight format as a directory (`model.json` + `weights.bin`). */
import { constants } from 'node:fs';
import { mkdir, open, realpath, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../runtime/tf.ts';
import type { Params } from '../models/params.ts';
import { WeightsFormatError, fromArtifacts, modelJson, toArtifacts, type LoadedWeights, type SaveOptions, type WebstrMetadata } from './format.ts';
import { ByteBudget, MAX_MODEL_JSON_BYTES, UnsafeWeightsPathError, WeightsSizeError, artifactsOf, concatParts, parseModelJson } from './manifest.ts';

export async function saveWeightsDir(dir: string, params: Params, meta: WebstrMetadata, options: SaveOptions = {}): Promise<void> {
  const a = await toArtifacts(params, meta, options);
  await mkdir(dir, { recursive: true });
  const data = a.weightData;
  const buf = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data ?? []));
  await writeFile(path.join(dir, 'weights.bin'), buf);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson(a), null, 1));
}

/** Reads a regular file (never a link or a device) of at most `max` bytes; `onTooBig` words the refusal. */
async function readRegularFile(file: string, max: number, onTooBig: (size: number) => Error): Promise<Uint8Array> {
  let h: FileHandle;
  try {
    h = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ELOOP') throw new UnsafeWeightsPathError(`${file} is a symbolic link; weight files must be regular files in the model's folder`);
    throw new WeightsFormatError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const s = await h.stat();
    if (!s.isFile()) throw new UnsafeWeightsPathError(`${file} is not a regular file (a device, pipe or folder)`);
    if (s.size > max) throw onTooBig(s.size);
    const buf = new Uint8Array(s.size);
    let at = 0;
    while (at < s.size) {
      const { bytesRead } = await h.read(buf, at, s.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    if (at !== s.size) throw new WeightsFormatError(`${file} shrank while being read (${at} of ${s.size} bytes)`);
    return buf;
  } finally {
    await h.close();
  }
}

/**
 * Loads a weights folder. The manifest is untrusted: its paths must stay inside the folder (no `..`,
 * absolute paths or links, checked on the real path too), each file is a regular file, and nothing is
 * read past the bytes the tensor shapes declare.
 */
export async function loadWeightsDir(dirOrJson: string): Promise<LoadedWeights> {
  const jsonPath = dirOrJson.endsWith('.json') ? dirOrJson : path.join(dirOrJson, 'model.json');
  const text = new TextDecoder().decode(await readRegularFile(jsonPath, MAX_MODEL_JSON_BYTES, (n) => new WeightsSizeError(`${jsonPath} is ${n} bytes; a model.json is at most ${MAX_MODEL_JSON_BYTES}`)));
  const m = parseModelJson(text, jsonPath);
  const dir = path.dirname(jsonPath);
  const realDir = await realpath(dir);
  const budget = new ByteBudget(m.bytes, jsonPath);
  const parts: Uint8Array[] = [];
  for (const p of m.groups.flatMap((g) => g.paths)) {
    const file = path.join(dir, p);
    let real: string;
    try {
      real = await realpath(file);
    } catch (err) {
      throw new WeightsFormatError(`${jsonPath} names '${p}', which cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!real.startsWith(realDir + path.sep)) throw new UnsafeWeightsPathError(`${jsonPath}: weights path '${p}' resolves to ${real}, outside the model's folder ${realDir}`);
    const bytes = await readRegularFile(file, budget.left, (n) => new WeightsSizeError(`${jsonPath}: ${p} is ${n} bytes, more than the ${budget.left} bytes the manifest's tensor shapes leave for it (${m.bytes} in all)`));
    budget.take(bytes.length, p);
    parts.push(bytes);
  }
  budget.finish();
  return fromArtifacts(artifactsOf(m, concatParts(parts, m.bytes)));
}
