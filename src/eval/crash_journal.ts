/**
 * What a pool needs to restart a crashed evaluator without losing anything (pure; the page's pool is
 * src/ui/bench_pool.ts): the batches the evaluator announced (src/eval/runner.ts `onBatch`) and the
 * results it sent back. After a crash, what was in flight decides: one item → it is the item that crashed
 * the worker, reported as a failed sample with the crash error; several → each is re-run alone next time
 * (`isolate`), so a repeated crash names one; none → the crash is not an item's (e.g. while loading the
 * model) and the run fails. Every result already back is handed to the restarted evaluator (`known`),
 * so it continues where the dead one stopped.
 */
import type { BatchNote, Recognition } from './runner.ts';

export interface SampleRef {
  /** Position of the dataset in the run's list. */
  dataset: number;
  /** 1-based sample index. */
  index: number;
}

export type CrashVerdict = { kind: 'item'; item: SampleRef } | { kind: 'suspects'; count: number } | { kind: 'none' };

const key = (dataset: number, index: number): string => `${dataset}:${index}`;

export class CrashJournal {
  private readonly inFlight = new Map<string, SampleRef>();
  private readonly results = new Map<string, SampleRef & { result: Recognition }>();
  private readonly suspects = new Map<string, SampleRef>();
  /** Items that crashed the worker, with the error they are reported with. */
  readonly culprits: (SampleRef & { error: string })[] = [];

  note(b: BatchNote): void {
    b.indices.forEach((index, i) => {
      const k = key(b.dataset, index);
      if (b.results === undefined) this.inFlight.set(k, { dataset: b.dataset, index });
      else {
        this.inFlight.delete(k);
        const result = b.results[i];
        if (result !== undefined) this.results.set(k, { dataset: b.dataset, index, result });
      }
    });
  }

  /** Call when the evaluator died with `error`; decides what the next attempt does. */
  crashed(error: { name: string; message: string }): CrashVerdict {
    const flying = [...this.inFlight.entries()];
    this.inFlight.clear();
    if (flying.length === 0) return { kind: 'none' };
    if (flying.length === 1) {
      const [k, item] = flying[0]!;
      this.suspects.delete(k);
      this.culprits.push({ ...item, error: `${error.name}: ${error.message}` });
      return { kind: 'item', item };
    }
    for (const [k, item] of flying) this.suspects.set(k, item);
    return { kind: 'suspects', count: flying.length };
  }

  /** Results the next attempt must not recompute: those back before the crash, and the crashing items as errors. */
  known(): (SampleRef & { result: Recognition })[] {
    return [...this.results.values(), ...this.culprits.map((c) => ({ dataset: c.dataset, index: c.index, result: { error: c.error } }))];
  }

  /** Items the next attempt runs alone. */
  isolate(): SampleRef[] {
    return [...this.suspects.values()].filter((s) => !this.results.has(key(s.dataset, s.index)));
  }
}

/** Lookup functions for `evaluate`'s `known` / `isolate` options from their lists (as they cross to a worker). */
export function recoveryOptions(known: readonly (SampleRef & { result: Recognition })[] = [], isolate: readonly SampleRef[] = []): {
  known?: (dataset: number, index: number) => Recognition | undefined;
  isolate?: (dataset: number, index: number) => boolean;
} {
  const k = new Map(known.map((x) => [key(x.dataset, x.index), x.result]));
  const s = new Set(isolate.map((x) => key(x.dataset, x.index)));
  return {
    ...(k.size > 0 ? { known: (d: number, i: number) => k.get(key(d, i)) } : {}),
    ...(s.size > 0 ? { isolate: (d: number, i: number) => s.has(key(d, i)) } : {}),
  };
}
