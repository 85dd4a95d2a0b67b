/**
 * `SynthSource`: the seeded stream of synthetic words, a `SampleSource` for the trainer. Its state is
 * the RNG state and the count produced (plus a fingerprint of the options), so `getState()` after k
 * samples and `setState()` on a fresh source with the same options continue at sample k+1.
 */
import { Rng } from '../image/rng.ts';
import type { RgbaImage } from '../image/types.ts';
import { SynthOptionsError, SynthStateError } from './errors.ts';
import type { SynthFont } from './fonts.ts';
import { type ResolvedOptions, type SynthOptions, fingerprint, planSample, resolveOptions } from './plan.ts';
import { SynthRenderer } from './render.ts';
import type { CanvasProvider, RenderParams, SynthSample, SynthSampleSource, SynthSourceState } from './types.ts';
import { DEFAULT_WORDS } from './words.ts';

/** Most samples one `next(n)` call may ask for. */
export const MAX_BATCH = 4096;
const STATE_VERSION = 1;

/** Data the renderer needs besides the options: the rich style's atlas of real background patches. */
export interface SynthAssets {
  patches?: RgbaImage;
}

export interface SynthSampleWithParams extends SynthSample {
  params: RenderParams;
}

export class SynthSource implements SynthSampleSource {
  readonly options: ResolvedOptions;
  private readonly rng: Rng;
  private readonly renderer: SynthRenderer;
  private readonly symbols: ReadonlySet<string>;
  private readonly print: string;
  private produced = 0;

  constructor(options: SynthOptions, fonts: readonly SynthFont[], canvas: CanvasProvider, assets: SynthAssets = {}) {
    this.options = resolveOptions(options, fonts, DEFAULT_WORDS);
    if (this.options.style === 'rich' && assets.patches === undefined) throw new SynthOptionsError('the rich style needs the atlas of background patches (assets/patches.jpg): createNodeSynth and createBrowserSynth load it');
    this.rng = new Rng(this.options.seed);
    this.renderer = new SynthRenderer(canvas, this.options.backgroundImages, assets.patches ?? null);
    this.symbols = new Set(this.options.charset.symbols);
    this.print = fingerprint(this.options);
  }

  /** Samples produced so far (the position in the stream). */
  get position(): number {
    return this.produced;
  }

  /** The parameters of the next `n` samples, advancing the stream without rendering. */
  plan(n: number): RenderParams[] {
    checkCount(n);
    const out: RenderParams[] = [];
    for (let i = 0; i < n; i++) out.push(planSample(this.rng, this.produced++, this.options, this.symbols));
    return out;
  }

  /** Renders planned parameters (no effect on the stream). */
  render(params: RenderParams): SynthSampleWithParams {
    const o = this.options;
    const image = this.renderer.render(params, { height: o.height, width: o.width, minWidth: o.minWidth, maxWidth: o.maxWidth }, o.augment);
    return { image, label: params.label, params };
  }

  /** The next `n` samples with their parameters. */
  nextWithParams(n: number): SynthSampleWithParams[] {
    return this.plan(n).map((p) => this.render(p));
  }

  next(n: number): Promise<SynthSample[]> {
    try {
      return Promise.resolve(this.nextWithParams(n).map(({ image, label }) => ({ image, label })));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  getState(): SynthSourceState {
    return { kind: 'synth', version: STATE_VERSION, fingerprint: this.print, rng: this.rng.state, produced: this.produced };
  }

  setState(state: SynthSourceState): void {
    const s = state as { kind?: unknown; version?: unknown; fingerprint?: unknown; rng?: unknown; produced?: unknown };
    if (s === null || typeof s !== 'object' || s.kind !== 'synth') throw new SynthStateError('not a synthetic-word source state');
    if (s.version !== STATE_VERSION) throw new SynthStateError(`state version ${String(s.version)}; this build reads ${STATE_VERSION}`);
    if (s.fingerprint !== this.print) throw new SynthStateError(`the state comes from other options (fingerprint ${String(s.fingerprint)}, these options give ${this.print})`);
    if (typeof s.rng !== 'number' || !Number.isInteger(s.rng) || s.rng < 0 || s.rng > 0xffffffff) throw new SynthStateError(`rng must be a uint32, got ${String(s.rng)}`);
    if (typeof s.produced !== 'number' || !Number.isSafeInteger(s.produced) || s.produced < 0) throw new SynthStateError(`produced must be a non-negative integer, got ${String(s.produced)}`);
    this.rng.setState(s.rng);
    this.produced = s.produced;
  }
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_BATCH) throw new SynthOptionsError(`n must be an integer in [0, ${MAX_BATCH}], got ${n}`);
}
