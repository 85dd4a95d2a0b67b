/** Named errors of the synthetic word generator. */
import { WebstrError } from '../runtime/errors.ts';

/** An option out of range or inconsistent (sizes, probabilities, vocabulary outside the charset, …). */
export class SynthOptionsError extends WebstrError {
  override name = 'SynthOptionsError';
}

/** No word is left after filtering the word list by the charset and the length limit. */
export class EmptyVocabularyError extends WebstrError {
  override name = 'EmptyVocabularyError';
}

/** A font file could not be read or registered (missing file, not a font, FontFace failed). */
export class FontLoadError extends WebstrError {
  override name = 'FontLoadError';
}

/** `setState` got a state that is not this generator's (other options, other version, malformed). */
export class SynthStateError extends WebstrError {
  override name = 'SynthStateError';
}

/** A worker thread of the Node synth pool failed, died or was closed while rendering. */
export class SynthWorkerError extends WebstrError {
  override name = 'SynthWorkerError';
}
