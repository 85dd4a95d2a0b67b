/** The demo page. Recognition (drop, paste, pick images) arrives with the recognizer (issue 8). */
import { startSelftestWorker } from '../runtime_client.ts';
import { startRuntime } from './common.ts';

const { api } = startSelftestWorker();
void startRuntime(api);
