/** The benchmark page: runtime report and the dataset panel (import, list, inspect, delete). */
import { startSelftestWorker } from '../runtime_client.ts';
import { mountDatasetsPanel } from '../datasets_panel.ts';
import { startIngestWorker } from '../ingest_client.ts';
import { byId, startRuntime } from './common.ts';

const { api } = startSelftestWorker();
void startRuntime(api);
mountDatasetsPanel(byId('datasets-panel'), startIngestWorker().api);
