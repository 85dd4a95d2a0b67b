/** Test helpers for the data layer (Node only): the shared LMDBs (located by ../testing/shared.ts), and the committed fixtures. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LMDB_DIR, sharedPresent } from '../testing/shared.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function lmdbDir(name: string): string {
  return path.join(LMDB_DIR, name);
}

export const hasSharedData = (): boolean => sharedPresent(existsSync(LMDB_DIR), LMDB_DIR);

export async function fixtureBytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(REPO_ROOT, 'src', 'data', 'fixtures', name)));
}

export async function fixtureJson<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(path.join(REPO_ROOT, 'src', 'data', 'fixtures', name), 'utf8')) as T;
}
