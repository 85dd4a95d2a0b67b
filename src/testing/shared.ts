/** Test helpers: where ../shared is (env WEBSTR_SHARED overrides), and the real model's paths. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebstrError } from '../runtime/errors.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SHARED = process.env.WEBSTR_SHARED ?? path.resolve(repoRoot, '../shared');
export const MV3_EN_DIR = path.join(SHARED, 'models/paddleocr-en-mobile-v2.0');
export const MV3_EN_ONNX = path.join(MV3_EN_DIR, 'en_number_mobile_v2.0_rec_infer.onnx');
export const LMDB_DIR = path.join(SHARED, 'data/lmdb');

/** CI is set but the shared data a suite needs is missing: the suite would skip and CI would pass blind. */
export class SharedDataMissingError extends WebstrError {
  override name = 'SharedDataMissingError';
}

/**
 * `present` as is, except under CI (env `CI` set and not 'false'/'0'), where a missing item throws: the
 * suites that read real data (hostile inputs, accuracy) skip locally without ../shared but fail in CI.
 */
export function sharedPresent(present: boolean, what: string, env: Record<string, string | undefined> = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  if (!present && ci) throw new SharedDataMissingError(`CI is set but ${what} is missing (WEBSTR_SHARED or ../shared): the suites that need it must not skip in CI`);
  return present;
}

export function haveSharedModel(): boolean {
  return sharedPresent(existsSync(MV3_EN_ONNX), MV3_EN_ONNX);
}

export function haveLmdb(name: string): boolean {
  const file = path.join(LMDB_DIR, name, 'data.mdb');
  return sharedPresent(existsSync(file), file);
}
