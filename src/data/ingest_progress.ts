/** Progress of a dataset import (plain data: it crosses worker boundaries and the library's types). */
export interface IngestProgress {
  id: string;
  name: string;
  samples: number;
  totalSamples: number;
  /** Sample bytes (images + labels) stored so far, this session and before a resume. */
  bytes: number;
  /** Estimated total sample bytes. */
  totalBytes: number;
  shards: number;
  totalShards: number;
  /** Rates over this session's work only. */
  mbPerSecond: number;
  samplesPerSecond: number;
  etaSeconds: number;
  resumedFromShard: number;
  done: boolean;
}
