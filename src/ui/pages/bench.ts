/** The benchmark page: runtime report (of the bench worker), the dataset panel, and the runner with its worker pool. */
import type { BenchApi } from '../../../workers/bench.ts';
import { WorkerClient } from '../worker_client.ts';
import { mountDatasetsPanel } from '../datasets_panel.ts';
import { startIngestWorker } from '../ingest_client.ts';
import { mountBenchRunner } from '../bench_runner.ts';
import { BenchPool, type PoolWorker } from '../bench_pool.ts';
import { byId, startPageExtras, startRuntime } from './common.ts';

let spawned = 0;
// Each bench worker rejects its calls when it dies (WorkerCrashedError); the pool restarts it.
const spawn = (): PoolWorker => new WorkerClient<BenchApi>(`bench-${spawned++}`, (name) => new Worker(new URL('../../../workers/bench.ts', import.meta.url), { type: 'module', name }));
startPageExtras();
const primary = spawn();
const ingest = startIngestWorker().api;
const datasets = mountDatasetsPanel(byId('datasets-panel'), ingest);
void startRuntime(primary.api).then((report) => mountBenchRunner(byId('bench-runner'), primary.api, ingest, { pool: new BenchPool(primary, spawn), backend: report?.backend ?? 'wasm', datasets }));
