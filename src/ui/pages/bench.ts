/** The benchmark page. Dataset import and evaluation arrive with the data layer and the runner. */
import { startSelftestWorker } from '../runtime_client.ts';
import { startRuntime } from './common.ts';

const { api } = startSelftestWorker();
void startRuntime(api);
