/** Test helpers for the data layer (Node only): where ../shared is, and the committed fixtures. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPresent } from '../testing/shared.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** ../shared beside the repository (CI and worktrees), or $WEBSTR_SHARED. */
export function sharedDir(): string {
  return process.env.WEBSTR_SHARED ?? path.resolve(REPO_ROOT, '../shared');
}

export function lmdbDir(name: string): string {
  return path.join(sharedDir(), 'data', 'lmdb', name);
}

export const hasSharedData = (): boolean => sharedPresent(existsSync(path.join(sharedDir(), 'data', 'lmdb')), path.join(sharedDir(), 'data', 'lmdb'));

export async function fixtureBytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(REPO_ROOT, 'src', 'data', 'fixtures', name)));
}

export async function fixtureJson<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(path.join(REPO_ROOT, 'src', 'data', 'fixtures', name), 'utf8')) as T;
}
