/** Messages between the Node recognizer pool (node_pool.ts) and its worker threads (node_worker.ts). */
import type { ErrorInfo } from '../runtime/errors.ts';
import type { RgbaImage } from '../image/types.ts';
import type { ModelInput, ModelSource } from '../recognize/model_source.ts';
import type { RecognitionOutcome, RecognizerInfo } from './common.ts';

/** An image as a thread takes it: read on the main thread (encoded bytes or RGBA pixels). */
export type ThreadInput = Uint8Array | ArrayBuffer | RgbaImage;

/** What a thread needs to build its recognizer: the options that survive a postMessage. */
export interface ThreadCreateOptions {
  model: ModelInput;
  /** A name the caller's `resolveModel` turned into a model (resolved on the main thread). */
  resolved?: ModelSource;
  preset?: string;
  backend: string;
  maxBatch?: number;
  allow?: string;
}

export type PoolRequest =
  | { type: 'create'; id: number; options: ThreadCreateOptions }
  | { type: 'recognize'; id: number; inputs: ThreadInput[] }
  /** Test hook: the thread exits (code 70) when the next recognize message arrives. */
  | { type: 'crash-next'; id: number };

export type PoolReply =
  | { type: 'created'; id: number; info: RecognizerInfo }
  | { type: 'result'; id: number; outcomes: RecognitionOutcome[] }
  | { type: 'ack'; id: number }
  | { type: 'error'; id: number; error: ErrorInfo }
  | { type: 'notice'; message: string };

/** A request before the pool numbers it. */
export type PoolCall = PoolRequest extends infer R ? (R extends PoolRequest ? Omit<R, 'id'> : never) : never;
