/** Names shared by the page side (src/ui/worker_client.ts) and the worker side (workers/liveness.ts) of
 *  worker crash detection. */

/** A worker whose `name` starts with this holds a Web Lock of its name while it lives. */
export const LIVENESS_PREFIX = 'webstr-live:';
/** Key of the one message a worker posts once it holds its lock. */
export const LIVENESS_MESSAGE = 'webstrAlive';
