// Entry of a recognizer pool thread when the library runs from its sources (node_pool.ts): registers the
// TypeScript loader (tsx and the `?raw` imports), then runs the worker. The built package runs its
// compiled recognizer_worker.js instead.
await import('../../cli/register.mjs');
await import('./node_worker.ts');
