/** Named errors of training. */
import { WebstrError } from '../runtime/errors.ts';

/** A stored training checkpoint is unreadable or does not fit the run (corrupt file, wrong preset/shapes). */
export class TrainCheckpointError extends WebstrError {
  override name = 'TrainCheckpointError';
}

/** A sample source cannot deliver (no dataset, nothing left after filtering, bad state). */
export class SampleSourceError extends WebstrError {
  override name = 'SampleSourceError';
}

/** A recipe that cannot run (bad steps, batch size, unknown optimizer…). */
export class TrainRecipeError extends WebstrError {
  override name = 'TrainRecipeError';
}

/** The loss became NaN or infinite: the run stops (its last checkpoint is kept). */
export class TrainDivergedError extends WebstrError {
  override name = 'TrainDivergedError';
}

/** Initial weights that cannot start the run (e.g. `--init-partial` weights sharing nothing with the model). */
export class TrainInitError extends WebstrError {
  override name = 'TrainInitError';
}

/** A data-parallel training replica (a worker thread) failed or died mid-step: the run stops at its last good step. */
export class TrainWorkerError extends WebstrError {
  override name = 'TrainWorkerError';
}
