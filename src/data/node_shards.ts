/** Shard folders on disk (Node only): `manifest.json` (written last) + `shard-00000.wshard`, … */
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../runtime/errors.ts';
import type { DtrbDataset } from './dtrb.ts';
import { DatasetNotFoundError, ShardFormatError, ShardMismatchError } from './errors.ts';
import { DEFAULT_SAMPLES_PER_SHARD, ShardedDataset, buildShards } from './sharded.ts';
import { type DatasetManifest, type DatasetSource, SHARD_VERSION, type ShardInfo, checkManifest, emptyStats, shardFileName } from './shard.ts';

export interface ConvertProgress {
  samples: number;
  total: number;
  bytes: number;
  shards: number;
}

/** What may be in a folder `convert` replaces: its own output (or the leftovers of an old, unfinished one). */
const SHARD_DIR_ENTRY = /^(manifest\.json(\.tmp)?|shard-\d{5,}\.wshard)$/;

async function checkReplaceable(out: string): Promise<boolean> {
  const s = await stat(out).catch(() => undefined);
  if (s === undefined) return false;
  if (!s.isDirectory()) throw new InvalidArgumentError(`--out ${out} exists and is not a folder`);
  const foreign = (await readdir(out)).filter((n) => !SHARD_DIR_ENTRY.test(n));
  if (foreign.length > 0) throw new InvalidArgumentError(`--out ${out} exists and is not a shard folder (it holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); refusing to replace it`);
  return true;
}

/**
 * Writes `ds` as a shard folder at `out`. Everything goes to a temporary folder beside it, which is
 * renamed into place only when complete: a failed conversion leaves an existing `out` exactly as it was
 * (and no partial folder), never a mix of old and new shards under the old manifest.
 */
export async function writeShardDir(
  ds: DtrbDataset,
  out: string,
  opts: { name: string; source: DatasetSource; samplesPerShard?: number; limit?: number; onProgress?: (p: ConvertProgress) => void },
): Promise<DatasetManifest> {
  const target = path.resolve(out);
  const replace = await checkReplaceable(target);
  await mkdir(path.dirname(target), { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = `${target}.partial-${tag}`;
  await mkdir(tmp);
  let manifest: DatasetManifest;
  try {
    manifest = await writeShards(ds, tmp, opts);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (replace) {
    const old = `${target}.old-${tag}`;
    await rename(target, old);
    try {
      await rename(tmp, target);
    } catch (err) {
      await rename(old, target);
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(tmp, target);
  }
  return manifest;
}

async function writeShards(
  ds: DtrbDataset,
  out: string,
  opts: { name: string; source: DatasetSource; samplesPerShard?: number; limit?: number; onProgress?: (p: ConvertProgress) => void },
): Promise<DatasetManifest> {
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
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/** Reads shard `i` of a folder: its size is checked against the manifest before it is read. */
async function readShardFile(dir: string, i: number, info: ShardInfo): Promise<Uint8Array> {
  const file = path.join(dir, shardFileName(i));
  const h = await open(file).catch((err: unknown) => {
    throw new ShardFormatError(`${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  });
  try {
    const s = await h.stat();
    if (!s.isFile() || s.size !== info.bytes) throw new ShardMismatchError(`${file} is ${s.isFile() ? `${s.size} bytes` : 'not a regular file'}; manifest.json says ${info.bytes} bytes: not this dataset's shard (the folder mixes conversions?)`);
    const buf = new Uint8Array(info.bytes);
    const { bytesRead } = await h.read(buf, 0, info.bytes, 0);
    if (bytesRead !== info.bytes) throw new ShardMismatchError(`${file} gave ${bytesRead} of ${info.bytes} bytes`);
    return buf;
  } finally {
    await h.close();
  }
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
  return new ShardedDataset(manifest, (i) => readShardFile(dir, i, manifest.shards[i]!));
}

/**
 * A dataset on disk, whichever form it has: a shard folder (manifest.json), an LMDB folder (data.mdb)
 * or a data.mdb file. For `webstr eval --data <lmdb-or-shard dir>`.
 */
export async function openDatasetPath(p: string): Promise<{ name: string; dataset: DtrbDataset; kind: 'shards' | 'lmdb'; close(): Promise<void> }> {
  const s = await stat(p).catch(() => undefined);
  if (s === undefined) throw new DatasetNotFoundError(`${p}: no such file or folder (expected an LMDB folder with data.mdb, a data.mdb file or a shard folder with manifest.json)`);
  if (s.isDirectory()) {
    try {
      await stat(path.join(p, 'manifest.json'));
      const ds = await openShardDir(p);
      return { name: ds.manifest.name, dataset: ds, kind: 'shards', close: () => Promise.resolve() };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') throw err;
    }
  }
  const file = s.isDirectory() ? path.join(p, 'data.mdb') : p;
  if (s.isDirectory() && (await stat(file).catch(() => undefined)) === undefined) {
    throw new DatasetNotFoundError(`${p} holds neither data.mdb (an LMDB dataset) nor manifest.json (a shard folder)`);
  }
  const { openFileByteSource } = await import('./node_source.ts');
  const { openDtrbDataset } = await import('./dtrb.ts');
  const src = await openFileByteSource(file);
  try {
    const ds = await openDtrbDataset(src);
    return { name: path.basename(s.isDirectory() ? path.resolve(p) : path.dirname(path.resolve(p))), dataset: ds, kind: 'lmdb', close: () => src.close() };
  } catch (err) {
    await src.close();
    throw err;
  }
}
