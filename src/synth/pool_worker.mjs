// Entry of a synth pool worker thread (node_pool.ts): registers tsx, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./pool_worker.ts');
