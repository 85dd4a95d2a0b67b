/** Shared by the perf suites: the machine line, backend start-up, timing, and the table printer. */
import os from 'node:os';

export interface PerfContext {
  /** Backends to measure, as asked on the command line (default: every one that starts here). */
  backends: string[];
  /** Extra suite arguments after the suite name. */
  args: string[];
}

export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `machine: ${model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version} (${process.platform}-${process.arch})`;
}

export interface Timing {
  msPerCall: number;
  calls: number;
}

/**
 * ms per call of `f` (awaited, including the read-back it does), after one warm-up call: repeats until
 * `minMs` has passed and at least `minCalls` calls ran (at most `maxCalls`).
 */
export async function timeIt(f: () => Promise<void>, minMs = 1000, minCalls = 3, maxCalls = 200): Promise<Timing> {
  await f();
  let calls = 0;
  const t0 = performance.now();
  while (calls < maxCalls && (calls < minCalls || performance.now() - t0 < minMs)) {
    await f();
    calls++;
  }
  return { msPerCall: (performance.now() - t0) / calls, calls };
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
