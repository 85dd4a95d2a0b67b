/**
 * What the page's main thread did while some work ran, from a Chromium performance trace: one entry per
 * task of the page, with its wall time and its thread (CPU) time.
 *
 * Why thread time: the Long Tasks API reports wall time, and on a shared two-core machine (CI, with the
 * recognizer worker busy on the other core) the scheduler alone stretches a 5 ms task past 50 ms. A task
 * that keeps the main thread busy for more than 50 ms of its own CPU is what makes a page stall on any
 * machine, so that is what the tests bound; the wall-clock long tasks are logged beside it.
 *
 * Tasks that Playwright itself runs in the page (its `evaluate` and locator polling, seen as
 * `EvaluateScript` in the trace, or as a task with nothing traced inside) are not the page's and are
 * left out; prepare inputs (a DataTransfer of 100 files) before tracing all the same.
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';

export interface MainTask {
  wallMs: number;
  cpuMs: number;
  /** The largest kinds of work inside, e.g. `HandlePostMessage`, `TimerFire`, `Layout`. */
  top: string[];
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

const TASK = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

/** The page's main-thread tasks in a trace file (every renderer main thread in it). */
export function mainThreadTasks(file: string): MainTask[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(raw) ? raw : (raw.traceEvents ?? []);
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !mains.has(k)) continue;
    let list = byThread.get(k);
    if (list === undefined) byThread.set(k, (list = []));
    list.push(e);
  }
  const tasks: MainTask[] = [];
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (!TASK.has(t.name)) continue;
      const end = t.ts + t.dur!;
      const inside = new Map<string, number>();
      for (let j = i + 1; j < list.length && list[j]!.ts < end; j++) {
        const e = list[j]!;
        if (!TASK.has(e.name)) inside.set(e.name, (inside.get(e.name) ?? 0) + e.dur!);
      }
      // Playwright's, not the page's: its evaluations, and DevTools-protocol calls that leave no traced work
      // inside (a task of the page always has some: TimerFire, HandlePostMessage, EventDispatch, Layout…).
      if (inside.has('EvaluateScript') || inside.size === 0) continue;
      const top = [...inside].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([n]) => n);
      tasks.push({ wallMs: t.dur! / 1000, cpuMs: (t.tdur ?? t.dur!) / 1000, top });
    }
  }
  return tasks;
}

/** Runs `work` with the page traced; returns its result and the page's main-thread tasks meanwhile. */
export async function traceMainThread<T>(browser: Browser, page: Page, work: () => Promise<T>): Promise<{ result: T; tasks: MainTask[] }> {
  const file = path.join(os.tmpdir(), `webstr-trace-${process.pid}-${Date.now()}.json`);
  await browser.startTracing(page, { path: file, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  let result: T;
  try {
    result = await work();
  } finally {
    await browser.stopTracing();
  }
  try {
    return { result, tasks: mainThreadTasks(file) };
  } finally {
    if (process.env.WEBSTR_KEEP_TRACE === undefined) rmSync(file, { force: true });
    else console.log(`trace kept: ${file}`);
  }
}

/** One line for the test log: the costliest tasks by CPU, and the wall-clock ones over 50 ms. */
export function describeTasks(tasks: readonly MainTask[]): string {
  const byCpu = [...tasks].sort((a, b) => b.cpuMs - a.cpuMs);
  const wallLong = tasks.filter((t) => t.wallMs > 50).length;
  const worst = byCpu.slice(0, 3).map((t) => `${t.cpuMs.toFixed(1)} ms CPU / ${t.wallMs.toFixed(1)} ms wall (${t.top.join(', ')})`);
  return `${tasks.length} tasks of the page; longest by CPU: ${worst.join('; ')}; over 50 ms of wall time (scheduling included): ${wallLong}`;
}
