/** `webstr convert <lmdb dir | data.mdb> --out <shard dir>`: an LMDB dataset as webstr shards on disk. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../src/runtime/errors.ts';
import { openDtrbDataset } from '../src/data/dtrb.ts';
import { openFileByteSource } from '../src/data/node_source.ts';
import { writeShardDir } from '../src/data/node_shards.ts';
import { DEFAULT_SAMPLES_PER_SHARD } from '../src/data/sharded.ts';

export const CONVERT_USAGE = 'webstr convert <lmdb dir|data.mdb> --out <shard dir> [--samples-per-shard N] [--limit N] [--name NAME] [--json]';

export async function resolveDataMdb(p: string): Promise<string> {
  const s = await stat(p);
  return s.isDirectory() ? path.join(p, 'data.mdb') : p;
}

export async function convert(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, 'samples-per-shard': { type: 'string' }, limit: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const input = positionals[0];
  if (input === undefined || values.out === undefined || positionals.length > 1) throw new InvalidArgumentError(`usage: ${CONVERT_USAGE}`);
  const num = (v: string | undefined, what: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got '${v}'`);
    return n;
  };
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
      samplesPerShard: num(values['samples-per-shard'], '--samples-per-shard') ?? DEFAULT_SAMPLES_PER_SHARD,
      limit: num(values.limit, '--limit'),
      onProgress: (p) => {
        const now = performance.now();
        if (!values.json && process.stderr.isTTY && now - last > 250) {
          last = now;
          process.stderr.write(`\r${p.samples}/${p.total} samples, ${p.shards} shards, ${(p.bytes / 1e6).toFixed(1)} MB`);
        }
      },
    });
    const s = (performance.now() - t0) / 1000;
    const bytes = manifest.shards.reduce((a, x) => a + x.bytes, 0);
    if (!values.json && process.stderr.isTTY) process.stderr.write('\n');
    const summary = { name, out: path.resolve(values.out), samples: manifest.sampleCount, shards: manifest.shards.length, bytes, seconds: Number(s.toFixed(3)), mbPerSecond: Number((bytes / 1e6 / s).toFixed(1)) };
    console.log(values.json ? JSON.stringify(summary) : `${name}: ${summary.samples} samples in ${summary.shards} shards (${(bytes / 1e6).toFixed(1)} MB) → ${summary.out} in ${s.toFixed(2)} s (${summary.mbPerSecond} MB/s)`);
    return 0;
  } finally {
    await src.close();
  }
}
