// Entry of a training replica worker thread (node_replicas.ts) run from the sources: tsx, plus the `?raw`
// loader the kernels' WGSL imports need (as cli/register.mjs), then the TypeScript worker. The compiled
// CLI builds replica_worker.ts into its own chunk instead (vite.cli.config.ts).
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('../../cli/raw_loader.mjs', import.meta.url);
registerTsx();
await import('./replica_worker.ts');
