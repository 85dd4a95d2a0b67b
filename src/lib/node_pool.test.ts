/** The Node recognizer pool: worker threads give the in-process results, in order; a crash fails only its chunk. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MV3_EN_ONNX, haveSharedModel } from '../testing/shared.ts';
import { createRecognizer, type ImageSource, type Recognizer } from './node.ts';
import { POOL_CHUNK, type ThreadPoolRecognizer } from './node_pool.ts';
import type { RecognitionOutcome } from './common.ts';

const SAMPLES = ['01-coffee', '02-station', '03-exit', '04-open', '05-2024', '06-library'].map((s) => `public/samples/${s}.png`);
// 2½ chunks: both threads get work, and the last chunk is short.
const IMAGES: ImageSource[] = Array.from({ length: POOL_CHUNK * 2 + 5 }, (_, i) => SAMPLES[i % SAMPLES.length]!);
IMAGES[3] = new Uint8Array([1, 2, 3]); // fails alone, in its place
IMAGES[20] = new Uint8Array(readFileSync(SAMPLES[1]!));

const texts = (out: RecognitionOutcome[]): string[] => out.map((o) => (o.ok ? `${o.text} ${o.confidence.toFixed(4)}` : o.error.name));

// The small PaddleOCR English model (fast to load in each thread); the shipped ppocr-v4 by name in the last test.
describe.skipIf(!haveSharedModel())('createRecognizer({ workers }) in Node', () => {
  let want: string[] = [];
  let two: Recognizer;

  beforeAll(async () => {
    const base = await createRecognizer({ model: MV3_EN_ONNX, backend: 'wasm' });
    want = texts(await base.recognize(IMAGES));
    await base.terminate();
    two = await createRecognizer({ model: MV3_EN_ONNX, backend: 'wasm', workers: 2 });
  }, 300_000);
  afterAll(async () => {
    await two.terminate();
    await expect(two.recognize(IMAGES)).rejects.toThrow(/terminated/);
  });

  it('2 threads give the in-process results, in order, with progress', async () => {
    expect(want[3]).toBe('ImageDecodeError');
    expect(want[0]).toMatch(/^COFFEE /);
    expect(two.info).toMatchObject({ backend: 'wasm', preset: 'crnn-mv3-en', workers: 2 });
    const seen: number[] = [];
    expect(texts(await two.recognize(IMAGES, { onProgress: (p) => seen.push(p.done) }))).toEqual(want);
    expect(seen.at(-1)).toBe(IMAGES.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    const single = await two.recognize(SAMPLES[0]!);
    expect(single.ok && single.text).toBe('COFFEE');
  }, 300_000);

  it('a thread that dies fails its chunk by name; the rest are read, and a fresh thread takes its place', async () => {
    // The first thread exits on its next chunk (images 0…15).
    await (two as unknown as ThreadPoolRecognizer<ImageSource>).crashNextForTest(0);
    const got = await two.recognize(IMAGES);
    const crashed = got.flatMap((o, i) => (!o.ok && o.error.name === 'WorkerCrashedError' ? [i] : []));
    expect(crashed).toEqual(Array.from({ length: POOL_CHUNK }, (_, i) => i));
    expect(got[0]!.ok === false && got[0]!.error.message).toMatch(/webstr-recognizer-1.*exited with code 70/);
    expect(texts(got).slice(POOL_CHUNK)).toEqual(want.slice(POOL_CHUNK));
    expect(texts(await two.recognize(IMAGES))).toEqual(want);
  }, 300_000);

  it('abort before and during a call rejects with the reason', async () => {
    const before = new AbortController();
    before.abort();
    await expect(two.recognize(IMAGES, { signal: before.signal })).rejects.toThrow(/abort/i);
    const during = new AbortController();
    const call = two.recognize(IMAGES, { signal: during.signal, onProgress: () => during.abort(new Error('stopped by the test')) });
    await expect(call).rejects.toThrow('stopped by the test');
  }, 300_000);

  it('1 thread, the shipped model by name: the in-process results', async () => {
    const base = await createRecognizer({ model: 'ppocr-v4', backend: 'wasm' });
    const inProcess = texts(await base.recognize(SAMPLES));
    await base.terminate();
    const one = await createRecognizer({ model: 'ppocr-v4', backend: 'wasm', workers: 1 });
    try {
      expect(one.info).toMatchObject({ preset: 'ppocr-v4', workers: 1 });
      expect(texts(await one.recognize(SAMPLES))).toEqual(inProcess);
    } finally {
      await one.terminate();
    }
  }, 300_000);

  it('a model that cannot load is a named error; a bad count is refused', async () => {
    await expect(createRecognizer({ model: new Uint8Array([8, 1, 2, 3]), backend: 'wasm', workers: 2 })).rejects.toMatchObject({ name: 'OnnxFormatError' });
    await expect(createRecognizer({ model: MV3_EN_ONNX, workers: 0 })).rejects.toThrow(/workers: expected an integer/);
  }, 120_000);
});
