/** The benchmark page: runtime report (of the bench worker), the dataset panel, and the runner. */
import * as Comlink from 'comlink';
import type { BenchApi } from '../../../workers/bench.ts';
import { mountDatasetsPanel } from '../datasets_panel.ts';
import { startIngestWorker } from '../ingest_client.ts';
import { mountBenchRunner } from '../bench_runner.ts';
import { byId, startRuntime } from './common.ts';

const worker = new Worker(new URL('../../../workers/bench.ts', import.meta.url), { type: 'module', name: 'bench' });
const api = Comlink.wrap<BenchApi>(worker);
const ingest = startIngestWorker().api;
mountDatasetsPanel(byId('datasets-panel'), ingest);
void startRuntime(api).then(() => mountBenchRunner(byId('bench-runner'), api, ingest));
