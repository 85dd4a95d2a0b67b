/**
 * Synthetic words as a shard folder on disk (Node only): the generator's samples, PNG-encoded with
 * @napi-rs/canvas, through the data layer's `writeShardDir`, so `webstr eval --data <dir>` and the
 * trainer read them like any converted dataset.
 */
import { createCanvas } from '@napi-rs/canvas';
import { samplesInOrder, type DtrbDataset, type Sample } from '../data/dtrb.ts';
import { type ConvertProgress, writeShardDir } from '../data/node_shards.ts';
import type { DatasetManifest } from '../data/shard.ts';
import type { RgbaImage } from '../image/types.ts';
import { SynthOptionsError } from './errors.ts';
import type { SynthSource } from './source.ts';
import { type SynthPool, pooledSynthDataset } from './node_pool.ts';

/** Lossless PNG bytes of an RGBA image. */
export function encodePng(img: RgbaImage): Uint8Array {
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  const id = ctx.createImageData(img.width, img.height);
  id.data.set(img.data);
  ctx.putImageData(id, 0, 0);
  return new Uint8Array(canvas.toBuffer('image/png'));
}

/** The next `count` samples of `source` as a DtrbDataset read in order (1-based, as the shard writer asks). */
export function synthDataset(source: SynthSource, count: number): DtrbDataset {
  if (!Number.isSafeInteger(count) || count < 1) throw new SynthOptionsError(`count must be a positive integer, got ${count}`);
  let done = 0;
  const sample = (index: number): Promise<Sample> => {
    if (index !== done + 1 || index > count) return Promise.reject(new SynthOptionsError(`synthetic samples are made in order: asked for ${index} after ${done} of ${count}`));
    done++;
    const [s] = source.nextWithParams(1);
    return Promise.resolve({ index, label: s!.label, image: encodePng(s!.image) });
  };
  return { count, sample, samples: (opts) => samplesInOrder({ count, sample }, opts) };
}

export async function writeSynthShards(
  source: SynthSource,
  out: string,
  opts: { count: number; name: string; samplesPerShard?: number; onProgress?: (p: ConvertProgress) => void; pool?: SynthPool },
): Promise<DatasetManifest> {
  const name = `synth ${source.options.style === 'rich' ? 'style=rich ' : ''}seed=${source.options.seed} from=${source.position}`;
  const ds = opts.pool === undefined ? synthDataset(source, opts.count) : pooledSynthDataset(source, opts.pool, opts.count);
  return writeShardDir(ds, out, {
    name: opts.name,
    source: { kind: 'shards', name, bytes: 0 },
    samplesPerShard: opts.samplesPerShard,
    onProgress: opts.onProgress,
  });
}
