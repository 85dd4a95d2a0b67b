import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SampleSource } from '../train/types.ts';
import { ALNUM36 } from '../text/charset.ts';
import { EmptyImageError, ImageTooLargeError } from '../image/errors.ts';
import type { RgbaImage } from '../image/types.ts';
import { EmptyVocabularyError, FontLoadError, SynthOptionsError, SynthStateError } from './errors.ts';
import { createNodeSynth, registerNodeFont } from './node.ts';
import { TINY_WORDS, tinySynthOptions } from './plan.ts';
import { SynthSource } from './source.ts';
import type { SynthSampleSource } from './types.ts';

const small = { seed: 7, height: 32 } as const;

describe('SynthSource (Node)', () => {
  it('is assignable to the trainer SampleSource', () => {
    expectTypeOf<SynthSource>().toMatchTypeOf<SampleSource>();
    expectTypeOf<SynthSampleSource>().toMatchTypeOf<SampleSource>();
    const s: SampleSource = createNodeSynth(small);
    expect(typeof s.next).toBe('function');
  });

  it('same seed → same labels, parameters and pixels; another seed differs', async () => {
    const a = createNodeSynth(small).nextWithParams(12);
    const b = createNodeSynth(small).nextWithParams(12);
    expect(a.map((s) => s.params)).toEqual(b.map((s) => s.params));
    for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i]!.image.data).equals(Buffer.from(b[i]!.image.data))).toBe(true);
    const c = await createNodeSynth({ ...small, seed: 8 }).next(12);
    expect(c.map((s) => s.label)).not.toEqual(a.map((s) => s.label));
  });

  it('getState/setState resumes exactly', async () => {
    const whole = await createNodeSynth(small).next(10);
    const first = createNodeSynth(small);
    await first.next(6);
    const state = JSON.parse(JSON.stringify(first.getState())) as Record<string, unknown>;
    const resumed = createNodeSynth(small);
    resumed.setState(state);
    const rest = await resumed.next(4);
    expect(rest.map((s) => s.label)).toEqual(whole.slice(6).map((s) => s.label));
    expect(Buffer.from(rest[3]!.image.data).equals(Buffer.from(whole[9]!.image.data))).toBe(true);
  });

  it('plan() then render() equals nextWithParams(); next(0) is empty and does not advance', async () => {
    const a = createNodeSynth(small);
    expect(await a.next(0)).toEqual([]);
    expect(a.position).toBe(0);
    const planned = a.plan(4);
    expect(a.position).toBe(4);
    const b = createNodeSynth(small).nextWithParams(4);
    expect(planned).toEqual(b.map((x) => x.params));
    const r = a.render(planned[2]!);
    expect(Buffer.from(r.image.data).equals(Buffer.from(b[2]!.image.data))).toBe(true);
  });

  it('refuses foreign or malformed states', () => {
    const s = createNodeSynth(small);
    const st = s.getState();
    expect(() => createNodeSynth({ ...small, seed: 9 }).setState(st)).toThrow(SynthStateError);
    expect(() => s.setState({ ...st, rng: -1 })).toThrow(SynthStateError);
    expect(() => s.setState({ ...st, produced: 1.5 })).toThrow(SynthStateError);
    expect(() => s.setState({ ...st, version: 99 })).toThrow(SynthStateError);
    expect(() => s.setState({ kind: 'lmdb' })).toThrow(SynthStateError);
  });

  it('labels stay in the charset; sizes follow the options', async () => {
    const set = new Set(ALNUM36);
    const s = createNodeSynth({ seed: 3, maxWidth: 200, minWidth: 16 });
    for (const x of await s.next(40)) {
      expect(x.label.length).toBeGreaterThan(0);
      for (const ch of x.label) expect(set.has(ch)).toBe(true);
      expect(x.image.height).toBe(32);
      expect(x.image.width).toBeGreaterThanOrEqual(16);
      expect(x.image.width).toBeLessThanOrEqual(200);
      expect(x.image.data.length).toBe(x.image.width * 32 * 4);
    }
    const fixed = await createNodeSynth({ seed: 3, height: 48, width: 120 }).next(5);
    for (const x of fixed) expect([x.image.width, x.image.height]).toEqual([120, 48]);
  });

  it('a small vocabulary with a case-sensitive charset and no digits', async () => {
    const words = ['cat', 'dog', 'Sun', 'TREE'];
    const charset = { name: 'letters', symbols: [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'], lowercase: false };
    const s = createNodeSynth({ seed: 1, words, charset, case: 'as-is', fonts: ['webstr-roboto', 'webstr-merriweather'] });
    const out = await s.next(30);
    for (const x of out) expect(words).toContain(x.label);
    expect(new Set(out.map((x) => x.label)).size).toBe(4);
    const lowerOnly = { name: 'lower', symbols: [...'abcdefghijklmnopqrstuvwxyz'], lowercase: false };
    const noCaps = createNodeSynth({ seed: 1, words: ['cat', 'dog'], charset: lowerOnly, case: 'random' });
    expect(noCaps.options.fonts.some((f) => f.capsOnly === true)).toBe(false);
    for (const x of await noCaps.next(20)) expect(['cat', 'dog']).toContain(x.label);
    const lower = await createNodeSynth({ seed: 1, words, digitsRatio: 0 }).next(30);
    for (const x of lower) expect(words.map((w) => w.toLowerCase())).toContain(x.label);
  });

  it('the tiny mode: 100×32, the small vocabulary, lower case', async () => {
    const out = await createNodeSynth(tinySynthOptions({ seed: 2 })).next(40);
    for (const x of out) {
      expect([x.image.width, x.image.height]).toEqual([100, 32]);
      expect(TINY_WORDS).toContain(x.label);
    }
    expect(new Set(out.map((x) => x.label)).size).toBeGreaterThan(10);
  });

  it('images are not blank: text contrasts with the background', async () => {
    for (const x of await createNodeSynth({ seed: 5, augment: false }).next(20)) {
      const d = x.image.data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        const l = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
        lo = Math.min(lo, l);
        hi = Math.max(hi, l);
      }
      expect(hi - lo, x.label).toBeGreaterThan(40);
    }
  });

  it('background images: patches around the planned colour, still contrasting; bad images are named errors', () => {
    const w = 64;
    const h = 48;
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const v = ((i % w) * 7 + Math.floor(i / w) * 13) % 256;
      data.set([v, 255 - v, (v * 3) % 256, 255], i * 4);
    }
    const photo: RgbaImage = { width: w, height: h, data };
    const s = createNodeSynth({ seed: 4, backgroundImages: [photo], imageBackgrounds: 1, augment: false });
    const out = s.nextWithParams(12);
    for (const x of out) {
      expect(x.params.background.kind).toBe('image');
      const d = x.image.data;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        const l = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
        lo = Math.min(lo, l);
        hi = Math.max(hi, l);
      }
      expect(hi - lo).toBeGreaterThan(40);
    }
    const again = createNodeSynth({ seed: 4, backgroundImages: [photo], imageBackgrounds: 1, augment: false }).nextWithParams(12);
    expect(Buffer.from(again[5]!.image.data).equals(Buffer.from(out[5]!.image.data))).toBe(true);
    // Another image set is another stream: its state is refused.
    const other = createNodeSynth({ seed: 4, backgroundImages: [{ ...photo, data: new Uint8ClampedArray(w * h * 4) }], imageBackgrounds: 1, augment: false });
    expect(() => other.setState(s.getState())).toThrow(SynthStateError);
    expect(() => createNodeSynth({ backgroundImages: [{ width: 0, height: 0, data: new Uint8Array(0) }] })).toThrow(EmptyImageError);
    expect(() => createNodeSynth({ backgroundImages: [{ width: 100000, height: 2, data: new Uint8Array(0) }] })).toThrow(ImageTooLargeError);
    expect(() => createNodeSynth({ backgroundImages: [photo], imageBackgrounds: 1.5 })).toThrow(SynthOptionsError);
  });

  it('a very long word at a large height stays bounded', async () => {
    const word = 'w'.repeat(256);
    const t0 = performance.now();
    const [x] = await createNodeSynth({ words: [word], maxLength: 256, height: 256, maxWidth: 3900, digitsRatio: 0, case: 'lower' }).next(1);
    expect(x!.label).toBe(word);
    expect(x!.image.height).toBe(256);
    expect(x!.image.width).toBeLessThanOrEqual(3900);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('hostile options are named errors', () => {
    expect(() => createNodeSynth({ height: 0 })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ height: 100000 })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ maxWidth: 1e9 })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ width: -3 })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ height: 256, width: 4096 })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ seed: Number.NaN })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ words: [] , digitsRatio: 0 })).toThrow(EmptyVocabularyError);
    expect(() => createNodeSynth({ words: ['ok', 'no way!'] })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ words: [''] })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ digitsRatio: 2 })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ charset: 'nope' })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ fonts: ['Comic Sans'] })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ perspective: { p: 0.5, strength: 9 } })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ augment: { crop: { p: 1, strength: 0.1 } } })).toThrow(SynthOptionsError);
    expect(() => createNodeSynth({ augment: { blur: { p: -1, strength: 1 } } })).toThrow(SynthOptionsError);
    const s = createNodeSynth();
    expect(() => s.plan(-1)).toThrow(SynthOptionsError);
    expect(() => s.plan(1e9)).toThrow(SynthOptionsError);
    return expect(s.next(Number.NaN)).rejects.toThrow(SynthOptionsError);
  });

  it('font files that are missing or not fonts are FontLoadError', () => {
    expect(() => registerNodeFont('x-missing', '/nonexistent/font.woff2')).toThrow(FontLoadError);
    expect(() => createNodeSynth({ fontFiles: ['/nonexistent/a.ttf'] })).toThrow(FontLoadError);
    expect(() => registerNodeFont('x-not-a-font', new URL('../../README.md', import.meta.url).pathname)).toThrow(FontLoadError);
  });
});
