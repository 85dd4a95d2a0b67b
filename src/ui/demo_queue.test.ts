import { describe, expect, it } from 'vitest';
import type { RecognitionOutcome } from '../recognize/recognizer.ts';
import { CHUNK, RecognitionQueue, type QueueDeps } from './demo_queue.ts';
import { MAX_FILE_BYTES } from './demo_input.ts';
import type { DemoResult } from './demo_results.ts';

const timings = { decodeMs: 0, preprocessMs: 0, inferMs: 0, postprocessMs: 0 };
const read = (f: File): RecognitionOutcome => ({ ok: true, text: f.name.toUpperCase(), confidence: 1, charConfidences: [], timings, backend: 'cpu' });
const file = (name: string, bytes = 3): File => new File([new Uint8Array(bytes)], name);
/** A File that says it is larger than the page reads, without allocating it. */
const huge = (name: string): File => Object.defineProperty(file(name), 'size', { value: MAX_FILE_BYTES + 1 });

function queue(over: Partial<QueueDeps> = {}): { q: RecognitionQueue; calls: string[][]; batches: DemoResult[][]; idle: () => Promise<void> } {
  const calls: string[][] = [];
  const batches: DemoResult[][] = [];
  let settle: () => void = () => undefined;
  let idle = Promise.resolve();
  const q: RecognitionQueue = new RecognitionQueue({
    ready: () => Promise.resolve(true),
    recognize: (files) => {
      calls.push(files.map((f) => f.name));
      return Promise.resolve(files.map(read));
    },
    onResults: (items) => {
      batches.push(items.map((x) => x.result));
      if (!q.busy) settle();
    },
    ...over,
  });
  const enqueue = q.enqueue.bind(q);
  q.enqueue = (files) => {
    if (!q.busy) idle = new Promise((r) => (settle = r));
    enqueue(files);
  };
  return { q, calls, batches, idle: () => idle };
}

const text = (r: DemoResult): string => (r.outcome.ok ? r.outcome.text : `!${r.outcome.error.name}`);

describe('RecognitionQueue', () => {
  it('sends chunks of CHUNK in order and numbers the results from 1', async () => {
    const { q, calls, batches, idle } = queue();
    const files = Array.from({ length: 2 * CHUNK + 2 }, (_, i) => file(`f${i}`));
    q.enqueue(files.slice(0, 1));
    q.enqueue(files.slice(1));
    await idle();
    // The first image went alone (nothing else was waiting); the rest in full chunks.
    expect(calls.map((c) => c.length)).toEqual([1, CHUNK, CHUNK, 1]);
    expect(q.results.map((r) => r.index)).toEqual(files.map((_, i) => i + 1));
    expect(q.results.map(text)).toEqual(files.map((f) => f.name.toUpperCase()));
    expect(batches.flat()).toEqual(q.results);
    expect([q.queued, q.done, q.busy]).toEqual([files.length, files.length, false]);
  });

  it('refuses files above MAX_FILE_BYTES unread, keeping their place', async () => {
    const { q, calls, idle } = queue();
    q.enqueue([file('a'), huge('big.png'), file('c')]);
    await idle();
    expect(calls).toEqual([['a', 'c']]);
    expect(q.results.map(text)).toEqual(['A', '!FileTooLargeError', 'C']);
  });

  it('waits for the model; without one every image fails by name, and none is sent', async () => {
    let answer: (ok: boolean) => void = () => undefined;
    const ready = new Promise<boolean>((r) => (answer = r));
    const { q, calls, idle } = queue({ ready: () => ready });
    q.enqueue([file('a'), file('b')]);
    await Promise.resolve();
    expect([q.done, q.busy]).toEqual([0, true]);
    answer(false);
    await idle();
    expect(calls).toEqual([]);
    expect(q.results.map(text)).toEqual(['!NoModelError', '!NoModelError']);
  });

  it('a failed call fails its chunk by the error’s name; the next chunk still runs', async () => {
    let n = 0;
    const { q, idle } = queue({
      recognize: (files) => (n++ === 0 ? Promise.reject(Object.assign(new Error('gone'), { name: 'WorkerCrashedError' })) : Promise.resolve(files.map(read))),
    });
    q.enqueue(Array.from({ length: CHUNK + 1 }, (_, i) => file(`f${i}`)));
    await idle();
    expect(q.results.slice(0, CHUNK).every((r) => text(r) === '!WorkerCrashedError')).toBe(true);
    expect(text(q.results[CHUNK]!)).toBe(`F${CHUNK}`);
  });

  it('a missing outcome is an error of that image', async () => {
    const { q, idle } = queue({ recognize: (files) => Promise.resolve(files.slice(1).map(read)) });
    q.enqueue([file('a'), file('b')]);
    await idle();
    expect(q.results.map(text)).toEqual(['B', '!Error']);
  });

  it('clear() is refused while busy, then restarts the numbering', async () => {
    const { q, idle } = queue();
    q.enqueue([file('a')]);
    expect(q.clear()).toBe(false);
    await idle();
    expect(q.clear()).toBe(true);
    expect([q.results, q.queued, q.done]).toEqual([[], 0, 0]);
    q.enqueue([file('b')]);
    await idle();
    expect(q.results.map((r) => [r.index, text(r)])).toEqual([[1, 'B']]);
  });
});
