import { describe, expect, it } from 'vitest';
import { evaluate, parseShard, type BatchNote, type EvalDataset, type RecognizeBatch } from './runner.ts';
import { mergeResults, summarize } from './metrics.ts';
import { InvalidArgumentError } from '../runtime/errors.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A dataset whose "images" are the UTF-8 of what a perfect model would read. */
function dataset(name: string, labels: string[], read: (label: string) => string = (l) => l): EvalDataset {
  return {
    name,
    count: labels.length,
    async *samples() {
      for (const [i, label] of labels.entries()) yield await Promise.resolve({ index: i + 1, label, image: enc.encode(read(label)) });
    },
  };
}

const echo: RecognizeBatch = (images) => Promise.resolve(images.map((b) => ({ text: dec.decode(b), confidence: 0.9 })));

describe('evaluate', () => {
  it('crash recovery: known results are scored without recognition, isolated samples run alone, batches are announced', async () => {
    const seen: string[][] = [];
    const alongside: number[] = [];
    let flying = 0;
    const recognize: RecognizeBatch = async (images) => {
      alongside.push(flying++);
      seen.push(images.map((b) => dec.decode(b)));
      await new Promise((r) => setTimeout(r, 1));
      flying--;
      return echo(images);
    };
    const labels = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const notes: BatchNote[] = [];
    const r = await evaluate([dataset('toy', labels)], recognize, {
      batchSize: 2,
      inFlight: 2,
      window: 8,
      keepPredictions: true,
      known: (d, i) => (d === 0 && i === 2 ? { text: 'b', confidence: 0.9 } : d === 0 && i === 4 ? { error: 'WorkerCrashedError: boom' } : undefined),
      isolate: (d, i) => d === 0 && i === 6,
      onBatch: (b) => notes.push(b),
    });
    // b and d are never recognised; f runs alone, with nothing else in flight.
    expect(seen).toEqual([['a', 'c'], ['e', 'g'], ['f']]);
    expect(alongside).toEqual([0, 1, 0]);
    expect(r.predictions?.map((p) => p.prediction)).toEqual(['a', 'b', 'c', '', 'e', 'f', 'g']);
    expect(r.failures).toEqual([{ dataset: 'toy', index: 4, label: 'd', prediction: '', confidence: 0, error: 'WorkerCrashedError: boom' }]);
    expect(notes.filter((n) => n.results === undefined).map((n) => n.indices)).toEqual([[1, 3], [5, 7], [6]]);
    expect(notes.filter((n) => n.results !== undefined).map((n) => n.results?.length)).toEqual([2, 2, 1]);
  });

  it('scores, filters as DTRB, keeps failures and batches', async () => {
    const batches: number[] = [];
    const recognize: RecognizeBatch = (images) => {
      batches.push(images.length);
      return echo(images);
    };
    const ds = dataset('toy', ['Apple', 'pear!', 'plum', 'fig', 'a'.repeat(30)], (l) => (l === 'fig' ? 'fog' : l));
    const r = await evaluate([ds], recognize, { batchSize: 2 });
    const d = r.summary.datasets[0]!;
    expect(d.samples).toBe(3); // 'pear!' and the 30-char label are filtered
    expect(d.filtered).toBe(2);
    expect(d.correct).toBe(2);
    expect(r.failures).toEqual([{ dataset: 'toy', index: 4, label: 'fig', prediction: 'fog', confidence: 0.9 }]);
    expect(batches).toEqual([2, 1]);
  });

  it('keeps everything with filtering off, scoring on [0-9a-z]', async () => {
    const r = await evaluate([dataset('toy', ['pear!', 'IT’S'])], echo, { filtering: 'off' });
    expect(r.summary.datasets[0]!.samples).toBe(2);
    expect(r.summary.datasets[0]!.accuracy).toBe(100);
  });

  it('counts a per-image error as a wrong answer and records it', async () => {
    const recognize: RecognizeBatch = (images) => Promise.resolve(images.map(() => ({ error: 'DecodeError: not an image' })));
    const r = await evaluate([dataset('bad', ['x'])], recognize);
    expect(r.summary.datasets[0]!.correct).toBe(0);
    expect(r.failures[0]!.error).toContain('DecodeError');
  });

  it('shards split the samples exactly and merge back to the whole', async () => {
    const labels = Array.from({ length: 23 }, (_, i) => `w${i}`);
    const read = (l: string): string => (Number(l.slice(1)) % 3 === 0 ? 'zz' : l);
    const whole = await evaluate([dataset('d', labels, read)], echo);
    const parts = await Promise.all([0, 1, 2].map((index) => evaluate([dataset('d', labels, read)], echo, { shard: { index, count: 3 } })));
    expect(parts.map((p) => p.summary.datasets[0]!.samples)).toEqual([8, 8, 7]);
    const merged = summarize(mergeResults(parts.flatMap((p) => p.summary.datasets)));
    expect(merged.datasets[0]!.samples).toBe(23);
    expect(merged.datasets[0]!.correct).toBe(whole.summary.datasets[0]!.correct);
  });

  it('with random access, a shard reads only its own samples and scores as the stream does', async () => {
    const labels = Array.from({ length: 23 }, (_, i) => `w${i}`);
    const read: number[] = [];
    const ds = dataset('d', labels, (l) => (l.endsWith('3') ? 'x' : l));
    const random: EvalDataset = { ...ds, samples: () => { throw new Error('streamed'); }, sample: (i) => {
        read.push(i);
        return Promise.resolve({ index: i, label: labels[i - 1]!, image: enc.encode(labels[i - 1]!.endsWith('3') ? 'x' : labels[i - 1]!) });
      },
    };
    const shard = { index: 1, count: 4 };
    const a = await evaluate([random], echo, { shard, limit: 19, keepPredictions: true });
    const b = await evaluate([ds], echo, { shard, limit: 19, keepPredictions: true });
    expect(read).toEqual([2, 6, 10, 14, 18]);
    expect(a.predictions).toEqual(b.predictions);
    expect(a.failures).toEqual(b.failures);
    expect(a.summary.datasets[0]!.correct).toBe(b.summary.datasets[0]!.correct);
  });

  it('honours --limit, reports progress and can be cancelled', async () => {
    const seen: number[] = [];
    const r = await evaluate([dataset('d', ['a', 'b', 'c', 'd'])], echo, { limit: 3, batchSize: 1, onProgress: (p) => seen.push(p.done) });
    expect(r.summary.datasets[0]!.samples).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    const ac = new AbortController();
    ac.abort();
    await expect(evaluate([dataset('d', ['a'])], echo, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a cancel while the last batch is being recognised is a cancel, not a result', async () => {
    const ac = new AbortController();
    let calls = 0;
    // The cancel arrives during the last batch: after every batch has been submitted.
    const recognize: RecognizeBatch = async (images) => {
      if (++calls === 2) ac.abort();
      return echo(images);
    };
    await expect(evaluate([dataset('d', ['a', 'b', 'c', 'd'])], recognize, { batchSize: 2, inFlight: 2, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(2);
  });
});

describe('evaluate with batches in flight', () => {
  it('submits the next batch before the current one is answered, and scores in sample order', async () => {
    const log: string[] = [];
    let open = 0;
    let most = 0;
    // Answers arrive in reverse order of submission within each pair.
    const recognize: RecognizeBatch = async (images) => {
      const id = dec.decode(images[0]);
      open++;
      most = Math.max(most, open);
      log.push(`start ${id}`);
      await new Promise((r) => setTimeout(r, id === 'w0' || id === 'w4' ? 20 : 1));
      open--;
      log.push(`end ${id}`);
      return echo(images);
    };
    const labels = Array.from({ length: 9 }, (_, i) => `w${i}`);
    const predictions = (await evaluate([dataset('d', labels)], recognize, { batchSize: 2, inFlight: 2, keepPredictions: true })).predictions!;
    expect(most).toBe(2);
    expect(log.indexOf('start w2')).toBeLessThan(log.indexOf('end w0'));
    expect(predictions.map((p) => p.prediction)).toEqual(labels);
    const one = await evaluate([dataset('d', labels)], echo, { batchSize: 2, keepPredictions: true, keepFailures: 3 });
    const two = await evaluate([dataset('d', labels)], echo, { batchSize: 2, keepPredictions: true, keepFailures: 3, inFlight: 3 });
    expect(two.summary.datasets).toEqual(one.summary.datasets.map((d) => ({ ...d, seconds: two.summary.datasets[0]!.seconds, wordsPerSecond: two.summary.datasets[0]!.wordsPerSecond })));
    expect(two.predictions).toEqual(one.predictions);
  });

  it('a failing batch fails the run only after the batches in flight have settled; bad inFlight is refused', async () => {
    let settled = 0;
    const recognize: RecognizeBatch = async (images) => {
      await new Promise((r) => setTimeout(r, 5));
      settled++;
      if (dec.decode(images[0]) === 'w0') throw new Error('boom');
      return echo(images);
    };
    await expect(evaluate([dataset('d', ['w0', 'w1', 'w2'])], recognize, { batchSize: 1, inFlight: 3 })).rejects.toThrow('boom');
    expect(settled).toBe(3);
    for (const inFlight of [0, 1.5, -2, NaN]) await expect(evaluate([dataset('d', ['a'])], echo, { inFlight })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('evaluate with windows ordered by a key', () => {
  it('batches same-key samples together and still scores in sample order', async () => {
    const labels = Array.from({ length: 23 }, (_, i) => `w${i}`);
    const key = (s: { label: string }): number => (parseInt(s.label.slice(1), 10) * 7) % 5;
    const read = (l: string): string => (Number(l.slice(1)) % 4 === 0 ? `${l}x` : l);
    const batches: number[][] = [];
    const recognize: RecognizeBatch = async (images) => {
      batches.push(images.map((b) => key({ label: dec.decode(b) })));
      await new Promise((r) => setTimeout(r, 1));
      return echo(images);
    };
    const seen: number[] = [];
    const opts = { batchSize: 3, keepPredictions: true, keepFailures: 4, filtering: 'off' as const };
    const grouped = await evaluate([dataset('d', labels, read)], recognize, { ...opts, window: 10, groupKey: key, inFlight: 2, onProgress: (p) => seen.push(p.done) });
    const plain = await evaluate([dataset('d', labels, read)], echo, opts);
    // The first window's four batches run through its keys in order.
    const within = batches.slice(0, 4).flat();
    expect(within).toEqual([...within].sort((a, b) => a - b));
    expect(grouped.predictions).toEqual(plain.predictions);
    expect(grouped.failures).toEqual(plain.failures);
    expect(grouped.summary.datasets[0]!.correct).toBe(plain.summary.datasets[0]!.correct);
    expect(seen.at(-1)).toBe(23);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await expect(evaluate([dataset('d', ['a'])], echo, { window: 0 })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('parseShard', () => {
  it('parses i/n and rejects nonsense', () => {
    expect(parseShard('2/4')).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('0/4')).toThrow(InvalidArgumentError);
    expect(() => parseShard('5/4')).toThrow(InvalidArgumentError);
    expect(() => parseShard('x')).toThrow(InvalidArgumentError);
  });
});
