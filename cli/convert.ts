/** `webstr convert <lmdb dir | data.mdb> --out <shard dir>`: an LMDB dataset as webstr shards on disk. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { openFileByteSource } from '../src/data/node_source.ts';
import { writeShardDir } from '../src/data/node_shards.ts';
import { DEFAULT_SAMPLES_PER_SHARD } from '../src/data/sharded.ts';
import { JSON_OPTION, UsageError, emitResult, isInt, jsonTarget, numberArg, parseCommandArgs } from './usage.ts';

export async function resolveDataMdb(p: string): Promise<string> {
  const exists = (f: string) => stat(f).then((s) => s, () => undefined);
  const s = await exists(p);
  if (s === undefined) throw new InvalidArgumentError(`no such file or folder: ${p}`);
  if (!s.isDirectory()) return p;
  const file = path.join(p, 'data.mdb');
  if ((await exists(file)) === undefined) throw new InvalidArgumentError(`${p} holds no data.mdb (expected an LMDB folder)`);
  return file;
}

export async function convert(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { out: { type: 'string' }, 'samples-per-shard': { type: 'string' }, limit: { type: 'string' }, name: { type: 'string' }, ...JSON_OPTION });
  const input = positionals[0];
  if (input === undefined) throw new UsageError('the LMDB folder (or data.mdb) to convert is required');
  if (positionals.length > 1) throw new UsageError(`one dataset per run; unexpected '${positionals[1]}'`);
  if (values.out === undefined) throw new UsageError('--out <shard dir> is required');
  const json = jsonTarget(values.json);
  const quiet = json.kind === 'stdout';
  const samplesPerShard = numberArg('samples-per-shard', values['samples-per-shard'], isInt(1), 'a positive integer') ?? DEFAULT_SAMPLES_PER_SHARD;
  const limit = numberArg('limit', values.limit, isInt(1), 'a positive integer');
  const file = await resolveDataMdb(input);
  const src = await openFileByteSource(file);
  try {
    const ds = await openDtrbDataset(src);
    const name = values.name ?? path.basename(path.dirname(path.resolve(file)));
    const t0 = performance.now();
    let last = 0;
    const manifest = await writeShardDir(ds, values.out, {
      name,
      source: { kind: 'lmdb', name: path.resolve(file), bytes: src.size },
      samplesPerShard,
      limit,
      onProgress: (p) => {
        const now = performance.now();
        if (!quiet && process.stderr.isTTY && now - last > 250) {
          last = now;
          process.stderr.write(`\r${p.samples}/${p.total} samples, ${p.shards} shards, ${(p.bytes / 1e6).toFixed(1)} MB`);
        }
      },
    });
    const s = (performance.now() - t0) / 1000;
    const bytes = manifest.shards.reduce((a, x) => a + x.bytes, 0);
    if (!quiet && process.stderr.isTTY) process.stderr.write('\n');
    const summary = { name, out: path.resolve(values.out), samples: manifest.sampleCount, shards: manifest.shards.length, bytes, seconds: Number(s.toFixed(3)), mbPerSecond: Number((bytes / 1e6 / s).toFixed(1)) };
    await emitResult(json, summary, `${name}: ${summary.samples} samples in ${summary.shards} shards (${(bytes / 1e6).toFixed(1)} MB) → ${summary.out} in ${s.toFixed(2)} s (${summary.mbPerSecond} MB/s)`);
    return 0;
  } finally {
    await src.close();
  }
}
