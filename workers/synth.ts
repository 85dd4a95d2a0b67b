/**
 * A worker that runs the synthetic word generator (comlink): for the harness page (e2e, perf) and as
 * the model of how the trainer worker calls `createBrowserSynth` inside itself. Images cross as
 * transferred buffers.
 */
import * as Comlink from 'comlink';
import { PADDLE_REC_AUG, augment } from '../src/image/augment.ts';
import { Rng } from '../src/image/rng.ts';
import { type BrowserSynthOptions, createBrowserSynth } from '../src/synth/browser.ts';
import type { SynthSource } from '../src/synth/source.ts';
import type { RenderParams, SynthSourceState } from '../src/synth/types.ts';
import './liveness.ts';

export interface SynthBatch {
  samples: { label: string; params: RenderParams; width: number; height: number; data: Uint8ClampedArray }[];
  ms: number;
}

let source: SynthSource | null = null;

function need(): SynthSource {
  if (source === null) throw new Error('call create() first');
  return source;
}

const api = {
  async create(options: BrowserSynthOptions): Promise<number> {
    const t0 = performance.now();
    source = await createBrowserSynth(options);
    return performance.now() - t0;
  },
  /** The next n samples; with `augmentSeed`, PaddleOCR RecAug applied after rendering. */
  next(n: number, augmentSeed: number | null = null): SynthBatch {
    const t0 = performance.now();
    const rng = augmentSeed === null ? null : new Rng(augmentSeed);
    const out = need().nextWithParams(n).map((s) => {
      const img = rng === null ? s.image : augment(s.image, rng, PADDLE_REC_AUG).image;
      return { label: s.label, params: s.params, width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
    });
    const batch: SynthBatch = { samples: out, ms: performance.now() - t0 };
    return Comlink.transfer(batch, out.map((s) => s.data.buffer));
  },
  getState(): SynthSourceState {
    return need().getState();
  },
  setState(state: SynthSourceState): void {
    need().setState(state);
  },
};

export type SynthApi = typeof api;
Comlink.expose(api);
