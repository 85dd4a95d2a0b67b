/**
 * A colour-stressed copy of a dataset, for the GA-SPIN colour ablation of issue 17 (docs/models/spin.md): the
 * intensity distortions GA-SPIN's colour transform exists to undo, applied to every crop, written as PNG
 * into a shard folder that `webstr eval` reads (an evaluation set; never training data).
 *
 *   node --import ./cli/register.mjs scripts/zoo/colour_stress.ts --data .zoo/data/zoo_val --mode gamma-dark --out .zoo/stress/zoo_val-gamma-dark
 *
 * --mode gamma-dark    every channel c → c^2.5 (dark, crushed shadows)
 *        gamma-light   every channel c → c^0.4 (washed out)
 *        low-contrast  c → mean + 0.3 (c − mean), per image
 *        invert        c → 1 − c
 *        tint          a per-image channel gain from a seeded draw in [0.35, 1] (colour cast), then gamma 1.8
 * c is the channel value in [0, 1]; the label is kept. Deterministic.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCanvas, ImageData } from '@napi-rs/canvas';
import { samplesInOrder, type DtrbDataset, type Sample } from '../../src/data/dtrb.ts';
import { openDatasetPath, writeShardDir } from '../../src/data/node_shards.ts';
import { decodeNode } from '../../src/image/decode_node.ts';
import type { RgbaImage } from '../../src/image/types.ts';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

export const STRESS_MODES = ['gamma-dark', 'gamma-light', 'low-contrast', 'invert', 'tint'] as const;
export type StressMode = (typeof STRESS_MODES)[number];

/** The distortion of `mode` on a copy of `img` (alpha kept); `seed` drives `tint`'s gains. */
export function stress(img: RgbaImage, mode: StressMode, seed: number): RgbaImage {
  const out = new Uint8ClampedArray(img.data);
  const n = img.width * img.height;
  const lut = (f: (c: number) => number): Uint8Array => Uint8Array.from({ length: 256 }, (_, v) => Math.round(255 * Math.min(1, Math.max(0, f(v / 255)))));
  const apply = (tables: Uint8Array[]): void => {
    for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[4 * p + c] = tables[c]![img.data[4 * p + c]!]!;
  };
  if (mode === 'gamma-dark' || mode === 'gamma-light' || mode === 'invert') {
    const t = lut(mode === 'gamma-dark' ? (c) => c ** 2.5 : mode === 'gamma-light' ? (c) => c ** 0.4 : (c) => 1 - c);
    apply([t, t, t]);
  } else if (mode === 'low-contrast') {
    let sum = 0;
    for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) sum += img.data[4 * p + c]!;
    const mean = sum / (3 * n * 255);
    const t = lut((c) => mean + 0.3 * (c - mean));
    apply([t, t, t]);
  } else {
    let s = (seed * 2654435761) >>> 0 || 1;
    const next = (): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 4294967296;
    };
    apply([0, 1, 2].map(() => {
      const g = 0.35 + 0.65 * next();
      return lut((c) => (g * c) ** 1.8);
    }));
  }
  return { width: img.width, height: img.height, data: out };
}

function encodePng(img: RgbaImage): Uint8Array {
  const canvas = createCanvas(img.width, img.height);
  const data = new Uint8ClampedArray(img.data.buffer as ArrayBuffer, img.data.byteOffset, img.data.length);
  canvas.getContext('2d').putImageData(new ImageData(data, img.width, img.height), 0, 0);
  return new Uint8Array(canvas.toBuffer('image/png'));
}

class Stressed implements DtrbDataset {
  constructor(
    private readonly src: DtrbDataset,
    private readonly mode: StressMode,
  ) {}
  get count(): number {
    return this.src.count;
  }
  async sample(i: number): Promise<Sample> {
    const s = await this.src.sample(i);
    return { ...s, image: encodePng(stress(await decodeNode(s.image), this.mode, i)) };
  }
  samples(opts: { limit?: number; start?: number } = {}): AsyncIterable<Sample> {
    return samplesInOrder(this, opts);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, mode: { type: 'string' }, out: { type: 'string' } } });
  const mode = values.mode as StressMode;
  if (values.data === undefined || values.out === undefined || !STRESS_MODES.includes(mode)) {
    console.error(`usage: colour_stress.ts --data DIR --mode ${STRESS_MODES.join('|')} --out DIR`);
    return 2;
  }
  const opened = await openDatasetPath(values.data);
  try {
    const name = `${opened.name}-${mode}`;
    await writeShardDir(new Stressed(opened.dataset, mode), values.out, { name, source: { kind: 'lmdb', name: `${path.resolve(values.data)} (${mode}, scripts/zoo/colour_stress.ts)`, bytes: 0 } });
    console.log(`${values.out}: ${opened.dataset.count} crops, ${mode}`);
  } finally {
    await opened.close();
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`colour_stress.ts: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
