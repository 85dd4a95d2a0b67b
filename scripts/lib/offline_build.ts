/**
 * The build side of the offline copy: vite.config.ts builds workers/sw.ts to `sw.js` at the app root (so
 * its scope is the whole app) and this plugin prepends the list of files to keep and the build's version
 * (a hash of every file's name and content) to it. Files: everything the bundle emits (no source maps) and
 * everything under public/ (samples, shipped models), paths relative to the app root.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import type { OfflineManifest } from '../../workers/offline_plan.ts';

export const SW_ENTRY = 'sw';
export const SW_FILE = 'sw.js';

/** Files under `dir` (recursive), as posix paths relative to it; dotfiles and build temporaries skipped. */
export function listPublic(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel))) {
      if (name.startsWith('.') || name.includes('.tmp-')) continue;
      const r = rel === '' ? name : `${rel}/${name}`;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out;
}

/** The manifest of `files` (path → content): sorted paths and a hash over paths and contents. */
export function offlineManifest(files: Map<string, string | Uint8Array>): OfflineManifest {
  const names = [...files.keys()].sort();
  const h = createHash('sha256');
  for (const n of names) {
    h.update(n);
    h.update('\0');
    h.update(files.get(n)!);
    h.update('\0');
  }
  return { version: h.digest('hex').slice(0, 16), files: names };
}

export function offlinePlugin(publicDir: string, pages: readonly string[]): Plugin {
  return {
    name: 'webstr-offline',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      // Builds without the app's entry (a library build sharing this config) have nothing to add to.
      const sw = bundle[SW_FILE];
      if (sw?.type !== 'chunk') return;
      const files = new Map<string, string | Uint8Array>();
      for (const [name, item] of Object.entries(bundle)) {
        if (name === SW_FILE || name.endsWith('.map')) continue;
        files.set(name, item.type === 'chunk' ? item.code : item.source);
      }
      for (const p of pages) if (!files.has(p)) files.set(p, p);
      for (const p of listPublic(publicDir)) files.set(p, readFileSync(path.join(publicDir, p)));
      sw.code = `self.__WEBSTR_OFFLINE__ = ${JSON.stringify(offlineManifest(files))};\n${sw.code}`;
    },
  };
}
