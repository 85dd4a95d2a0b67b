/**
 * The trainer worker's typed protocol (comlink). The page starts a run from a recipe, gets throttled
 * progress through a proxied callback, pauses / resumes / stops it, and after a reload asks for the
 * unfinished run and re-attaches: the worker continues from the last checkpoint in IndexedDB. Errors
 * cross as named errors (`err.name`); a run that fails records its error in its run record.
 */
import type { RunStatus } from '../src/train/types.ts';
import type { TrainEvaluation, TrainLogEntry, TrainProgress, TrainRecipe } from '../src/train/types.ts';

export { SYNTH_VALIDATION } from '../src/train/recipe.ts';

/** Where a run starts: a model stored in tf.io IndexedDB (the demo/bench keys), or a preset from scratch. */
export type BaseModel = { kind: 'stored'; key: string } | { kind: 'preset'; preset: string };

/** Everything of a recipe but what the base model decides (`preset`, `init`). */
export type RecipeSettings = Omit<TrainRecipe, 'preset' | 'init'>;

export interface StartRequest {
  base: BaseModel;
  recipe: RecipeSettings;
  /** How the validation set is named in tables. */
  validationName?: string;
}

/** What the page shows of a run (run list, resume banner). */
export interface RunView {
  runId: string;
  status: RunStatus;
  base: string;
  preset: string;
  step: number;
  steps: number;
  best: { step: number; accuracy: number } | null;
  createdAt: string;
  savedAt: string | null;
  evaluations: TrainEvaluation[];
  exported: string[];
  error?: { name: string; message: string };
  recipe: TrainRecipe;
}

export interface TrainerEvent extends TrainProgress {
  runId: string;
  /** The log entries since the previous event (progress is throttled; the curves want every step). */
  entries: TrainLogEntry[];
  /** Set once on the first event of a run continued from a checkpoint. */
  resumedFrom?: number;
  /** The run ended with this error (status 'failed'). */
  error?: { name: string; message: string };
  status: RunStatus;
}

/** The state the page needs after a reload: the run's view, its history so far. */
export interface AttachedRun {
  view: RunView;
  history: TrainLogEntry[];
}

/** An exported model, as in the bench page's list. */
export interface ExportedModel {
  key: string;
  name: string;
  preset: string;
}

/** model.json + weights.bin of a run's weights, for a download. */
export interface ModelDownload {
  name: string;
  modelJson: string;
  weights: ArrayBuffer;
}
