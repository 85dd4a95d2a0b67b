/** Named errors of the weight format and its loaders. */
import { WebstrError } from '../runtime/errors.ts';

/** A weights file that is not in the project's format, or is damaged. */
export class WeightsFormatError extends WebstrError {
  override name = 'WeightsFormatError';
}

/** A manifest path that leaves the model's folder or URL prefix (`..`, absolute, a URL, a link, a device). */
export class UnsafeWeightsPathError extends WeightsFormatError {
  override name = 'UnsafeWeightsPathError';
}

/** Weight data that does not have the size the manifest's shapes declare (or more than a model may have). */
export class WeightsSizeError extends WeightsFormatError {
  override name = 'WeightsSizeError';
}

/** Weight data whose SHA-256 is not the one its listing promised (a damaged or substituted download). */
export class WeightsIntegrityError extends WeightsFormatError {
  override name = 'WeightsIntegrityError';
}
