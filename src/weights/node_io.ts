/** Node-only: the weight format as a directory (`model.json` + `weights.bin`). */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../runtime/tf.ts';
import type { Params } from '../models/params.ts';
import { WeightsFormatError, fromArtifacts, modelJson, toArtifacts, type LoadedWeights, type SaveOptions, type WebstrMetadata } from './format.ts';

export async function saveWeightsDir(dir: string, params: Params, meta: WebstrMetadata, options: SaveOptions = {}): Promise<void> {
  const a = await toArtifacts(params, meta, options);
  await mkdir(dir, { recursive: true });
  const data = a.weightData;
  const buf = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(tf.io.concatenateArrayBuffers(data ?? []));
  await writeFile(path.join(dir, 'weights.bin'), buf);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson(a), null, 1));
}

interface ModelJson {
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: { [key: string]: object };
  format?: string;
}

export async function loadWeightsDir(dirOrJson: string): Promise<LoadedWeights> {
  const jsonPath = dirOrJson.endsWith('.json') ? dirOrJson : path.join(dirOrJson, 'model.json');
  let j: ModelJson;
  try {
    j = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  } catch (err) {
    throw new WeightsFormatError(`cannot read ${jsonPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const groups = j.weightsManifest ?? [];
  const specs = groups.flatMap((g) => g.weights);
  const parts: ArrayBuffer[] = [];
  for (const g of groups) {
    for (const p of g.paths) {
      const b = await readFile(path.join(path.dirname(jsonPath), p));
      parts.push(new Uint8Array(b).buffer);
    }
  }
  return fromArtifacts({
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(parts),
    userDefinedMetadata: j.userDefinedMetadata,
    format: j.format,
  });
}
