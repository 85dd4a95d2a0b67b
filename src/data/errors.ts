/**
 * Named errors of the data layer (src/data/). Each failure kind has its own class so the pages and the
 * CLI can match on `err.name` across a worker boundary; messages say what was expected and what came.
 */
import { WebstrError } from '../runtime/errors.ts';

/** The bytes are not an LMDB data file at all (no meta page magic, too small to hold two meta pages). */
export class LmdbFormatError extends WebstrError {
  override name = 'LmdbFormatError';
}

/** A real LMDB file in a variant this reader does not read (32-bit, big-endian, page size, data version, dupsort). */
export class UnsupportedLmdbError extends WebstrError {
  override name = 'UnsupportedLmdbError';
}

/** An LMDB file whose structure is inconsistent: a bad page pointer, offset, length, flag, cycle or depth. */
export class LmdbCorruptError extends WebstrError {
  override name = 'LmdbCorruptError';
}

/** An LMDB file cut short: a page or value it references lies beyond the end of the file. */
export class LmdbTruncatedError extends LmdbCorruptError {
  override name = 'LmdbTruncatedError';
}

/** An LMDB file that is sound but does not follow the deep-text-recognition-benchmark key layout. */
export class DtrbLayoutError extends WebstrError {
  override name = 'DtrbLayoutError';
}

/** A shard or shard manifest that is not in the webstr shard format (bad magic, impossible offsets). */
export class ShardFormatError extends WebstrError {
  override name = 'ShardFormatError';
}

/** A shard that is sound by itself but not the one its manifest lists (another size or CRC-32): a folder or
 *  store mixing shards of different conversions. */
export class ShardMismatchError extends ShardFormatError {
  override name = 'ShardMismatchError';
}

/** A shard written by a newer (or unknown) version of the shard format. */
export class UnsupportedShardVersionError extends WebstrError {
  override name = 'UnsupportedShardVersionError';
}

/** A shard whose CRC-32 does not match its bytes (damaged on disk, in transit or in storage). */
export class ShardChecksumError extends WebstrError {
  override name = 'ShardChecksumError';
}

/** An import would not fit in (or ran out of) the origin's storage quota; nothing of it is left behind. */
export class QuotaExceededImportError extends WebstrError {
  override name = 'QuotaExceededImportError';
}

/** An import was cancelled by the user; completed shards stay so the import can resume. */
export class ImportCancelledError extends WebstrError {
  override name = 'ImportCancelledError';
}

/** No dataset with this id in the store. */
export class DatasetNotFoundError extends WebstrError {
  override name = 'DatasetNotFoundError';
}
