/**
 * Test/perf harness page for the synthetic word generator (built by scripts/lib/synth_harness.ts, not a
 * product page): starts workers/synth.ts and exposes plain-data calls on `window.webstrSynth`.
 */
import type { BrowserSynthOptions } from '../../src/synth/browser.ts';
import type { RenderParams, SynthSourceState } from '../../src/synth/types.ts';
import type { SynthApi } from '../../workers/synth.ts';
import { WorkerClient } from '../../src/ui/worker_client.ts';

const api = new WorkerClient<SynthApi>('synth', (name) => new Worker(new URL('../../workers/synth.ts', import.meta.url), { type: 'module', name })).api;

async function named<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const e = err as Error;
    throw new Error(`${e.name}: ${e.message}`);
  }
}

export interface PageSample {
  label: string;
  params: RenderParams;
  width: number;
  height: number;
  /** Luma range (max − min) and mean. */
  contrast: number;
  mean: number;
  /** FNV-1a of the RGBA bytes. */
  hash: string;
  /** PNG data URL, when asked for. */
  png?: string;
}

function summary(s: { label: string; params: RenderParams; width: number; height: number; data: Uint8ClampedArray }, png: boolean): PageSample {
  let lo = 255;
  let hi = 0;
  let sum = 0;
  let h = 0x811c9dc5;
  const d = s.data;
  for (let i = 0; i < d.length; i += 4) {
    const l = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
    lo = Math.min(lo, l);
    hi = Math.max(hi, l);
    sum += l;
  }
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193) >>> 0;
  const out: PageSample = { label: s.label, params: s.params, width: s.width, height: s.height, contrast: hi - lo, mean: sum / (d.length / 4), hash: h.toString(16) };
  if (png) {
    const c = document.createElement('canvas');
    c.width = s.width;
    c.height = s.height;
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(d), s.width, s.height), 0, 0);
    out.png = c.toDataURL('image/png');
  }
  return out;
}

const harness = {
  /** `userFonts[].data` may come as a number array (from Playwright): sent on as bytes. */
  create: (options: BrowserSynthOptions & { userFonts?: { name: string; data: unknown }[] }): Promise<number> =>
    named(api.create({ ...options, userFonts: options.userFonts?.map((u) => ({ name: u.name, data: Array.isArray(u.data) ? Uint8Array.from(u.data as number[]) : (u.data as Uint8Array) })) })),
  async next(n: number, opts: { png?: boolean; augmentSeed?: number | null } = {}): Promise<{ samples: PageSample[]; ms: number }> {
    const b = await named(api.next(n, opts.augmentSeed ?? null));
    return { samples: b.samples.map((s) => summary(s, opts.png === true)), ms: b.ms };
  },
  getState: (): Promise<SynthSourceState> => named(api.getState()),
  setState: (s: SynthSourceState): Promise<void> => named(api.setState(s)),
};

(window as unknown as { webstrSynth: typeof harness }).webstrSynth = harness;
document.body.dataset.harness = 'ready';
