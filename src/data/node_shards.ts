/** Shard folders on disk (Node only): `manifest.json` (written last) + `shard-00000.wshard`, … */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DtrbDataset } from './dtrb.ts';
import { ShardFormatError } from './errors.ts';
import { DEFAULT_SAMPLES_PER_SHARD, ShardedDataset, buildShards } from './sharded.ts';
import { type DatasetManifest, type DatasetSource, SHARD_VERSION, type ShardInfo, checkManifest, emptyStats, shardFileName } from './shard.ts';

export interface ConvertProgress {
  samples: number;
  total: number;
  bytes: number;
  shards: number;
}

export async function writeShardDir(
  ds: DtrbDataset,
  out: string,
  opts: { name: string; source: DatasetSource; samplesPerShard?: number; limit?: number; onProgress?: (p: ConvertProgress) => void },
): Promise<DatasetManifest> {
  await mkdir(out, { recursive: true });
  const samplesPerShard = opts.samplesPerShard ?? DEFAULT_SAMPLES_PER_SHARD;
  const total = Math.min(opts.limit ?? ds.count, ds.count);
  const stats = emptyStats();
  const shards: ShardInfo[] = [];
  let samples = 0;
  let bytes = 0;
  for await (const s of buildShards(ds, { samplesPerShard, count: total, stats })) {
    await writeFile(path.join(out, shardFileName(s.index)), s.bytes);
    shards.push(s.info);
    samples += s.info.count;
    bytes += s.info.bytes;
    opts.onProgress?.({ samples, total, bytes, shards: shards.length });
  }
  const manifest: DatasetManifest = {
    format: 'webstr-shards',
    version: SHARD_VERSION,
    name: opts.name,
    source: opts.source,
    sampleCount: samples,
    samplesPerShard,
    shards,
    stats,
    createdAt: new Date().toISOString(),
  };
  // The manifest last, atomically: a folder without one is an unfinished conversion.
  const tmp = path.join(out, 'manifest.json.tmp');
  await writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(tmp, path.join(out, 'manifest.json'));
  return manifest;
}

export async function openShardDir(dir: string): Promise<ShardedDataset> {
  const file = path.join(dir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new ShardFormatError(`${file} is not valid JSON: ${err.message}`);
    throw err;
  }
  const manifest = checkManifest(json, file);
  return new ShardedDataset(manifest, async (i) => new Uint8Array(await readFile(path.join(dir, shardFileName(i)))));
}
