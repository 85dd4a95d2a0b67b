/** The benchmark page: runtime report (of the bench worker), the dataset panel, and the runner with its worker pool. */
import * as Comlink from 'comlink';
import type { BenchApi } from '../../../workers/bench.ts';
import { mountDatasetsPanel } from '../datasets_panel.ts';
import { startIngestWorker } from '../ingest_client.ts';
import { mountBenchRunner } from '../bench_runner.ts';
import { BenchPool, type PoolWorker } from '../bench_pool.ts';
import { byId, startPageExtras, startRuntime } from './common.ts';

let spawned = 0;
const spawn = (): PoolWorker => {
  const worker = new Worker(new URL('../../../workers/bench.ts', import.meta.url), { type: 'module', name: `bench-${spawned++}` });
  return { api: Comlink.wrap<BenchApi>(worker), terminate: () => worker.terminate() };
};
startPageExtras();
const primary = spawn();
const ingest = startIngestWorker().api;
mountDatasetsPanel(byId('datasets-panel'), ingest);
void startRuntime(primary.api).then((report) => mountBenchRunner(byId('bench-runner'), primary.api, ingest, { pool: new BenchPool(primary.api, spawn), backend: report?.backend ?? 'wasm' }));
