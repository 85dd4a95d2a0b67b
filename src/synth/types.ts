/**
 * Contracts of the synthetic word generator. `SynthSampleSource` is structurally the trainer's
 * `SampleSource` (src/train/types.ts, a layer above this one, so not imported here); a type-level test
 * (`source.test.ts`) keeps the two assignable.
 */
import type { RgbaImage } from '../image/types.ts';

export interface SynthSample {
  image: RgbaImage;
  label: string;
}

export type SynthSourceState = Record<string, unknown>;

/** The trainer's `SampleSource`, restated. */
export interface SynthSampleSource {
  next(n: number): Promise<SynthSample[]>;
  getState(): SynthSourceState;
  setState(state: SynthSourceState): void;
}

export type Rgb = [number, number, number];

export type Background =
  | { kind: 'solid'; color: Rgb }
  | { kind: 'gradient'; colors: [Rgb, Rgb]; angle: number }
  | { kind: 'texture'; colors: [Rgb, Rgb]; cell: number; seed: number }
  | { kind: 'clutter'; colors: [Rgb, Rgb]; shapes: number; seed: number }
  /** A window (x, y, w, h as fractions) of background image `image`, its colour deviations scaled by
   *  `amp` around `color` (so the mean stays the planned colour and the text keeps its contrast). */
  | { kind: 'image'; color: Rgb; image: number; window: [number, number, number, number]; amp: number }
  /** Patch `patch` of the atlas of real backgrounds (rich style), flipped as planned, its colours
   *  scaled by `gain` (1 = as in the real crop). */
  | { kind: 'patch'; patch: number; flipX: boolean; flipY: boolean; gain: number };

/** What the rich style adds to a sample's plan (absent in the basic style, so its plans are unchanged). */
export interface RichParams {
  /** Extra advance after each character but the last, in font sizes (per-character spacing), or null. */
  spacing: number[] | null;
  /** Arc: the angle (radians) the word spans along a circle; positive arches (∩), negative smiles (∪). */
  arc: number;
  /** Neighbouring text cut by the crop's edges: words drawn left, right, above and below the word ('' =
   *  none), `gap` (font sizes) away on the line, lines `lineGap` (font sizes) apart, the lines above and
   *  below shifted by ± `shift` of the word's width; in the fill colour, or `color`. */
  neighbours: { left: string; right: string; above: string; below: string; gap: number; lineGap: number; shift: number; color: Rgb | null };
  /** Low resolution: the crop is drawn at this fraction of its size and scaled back up (1 = off). */
  lowRes: number;
  /** JPEG artefacts at this quality (1–100), or 0 = none. */
  jpeg: number;
}

/**
 * Everything one sample is rendered from, decided from the seed alone (never from measured text), so
 * the browser and Node draw the same parameters; only the pixels depend on the font rasteriser.
 */
export interface RenderParams {
  /** 0-based position in the stream. */
  index: number;
  /** The string drawn. */
  text: string;
  /** The label (the text, lowercased for a lowercase charset). */
  label: string;
  /** Font family key (`SynthFont.family`). */
  font: string;
  fill: Rgb;
  fillOpacity: number;
  /** Outline: width as a fraction of the font size. */
  border: { width: number; color: Rgb } | null;
  /** Drop shadow: offset and blur as fractions of the output height. */
  shadow: { dx: number; dy: number; blur: number; color: Rgb; opacity: number } | null;
  background: Background;
  /** Margins around the ink (left, top, right, bottom) as fractions of the text height. */
  pad: [number, number, number, number];
  /** Horizontal stretch of the crop (1 = the font's own aspect). */
  stretch: number;
  /** Perspective: corner offsets (TL, TR, BR, BL; x then y) as fractions of the output height. */
  perspective: [number, number, number, number, number, number, number, number];
  /** Baseline bend: arc amplitude as a fraction of the output height (0 = straight). */
  curve: number;
  /** Rotation of the word in degrees (positive: clockwise on screen); the crop is the rotated box's bounds. */
  rotation: number;
  /** Seed of the sample's augmentation (blur, noise, …), null when none is configured. */
  augmentSeed: number | null;
  /** Rich style only. */
  rich?: RichParams;
}

/** The part of Canvas 2D the renderer uses: `OffscreenCanvas` in a worker, `@napi-rs/canvas` in Node. */
export interface SynthContext2D {
  font: string;
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  lineJoin: string;
  textBaseline: string;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  strokeText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray; width: number; height: number };
}

export interface SynthCanvas {
  width: number;
  height: number;
}

/** Makes (or resizes and returns) a canvas and its 2D context. */
export type CanvasProvider = (width: number, height: number) => SynthContext2D;
