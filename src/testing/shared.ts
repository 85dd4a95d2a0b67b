/** Test helpers: where ../shared is (env WEBSTR_SHARED overrides), and the real model's paths. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SHARED = process.env.WEBSTR_SHARED ?? path.resolve(repoRoot, '../shared');
export const MV3_EN_DIR = path.join(SHARED, 'models/paddleocr-en-mobile-v2.0');
export const MV3_EN_ONNX = path.join(MV3_EN_DIR, 'en_number_mobile_v2.0_rec_infer.onnx');
export const LMDB_DIR = path.join(SHARED, 'data/lmdb');

export function haveSharedModel(): boolean {
  return existsSync(MV3_EN_ONNX);
}

export function haveLmdb(name: string): boolean {
  return existsSync(path.join(LMDB_DIR, name, 'data.mdb'));
}
