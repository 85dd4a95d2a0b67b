import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// ARCHITECTURE.md's layers, checked on the import statements (static and dynamic) of every non-test
// module. In src/, a module of src/<layer> imports only from its own layer or the layers before it in
// ORDER; only src/ui (the pages) and src/lib (the package's entries, which do not import src/ui) may also
// import workers/ (to start them and type their APIs);
// src/testing holds helpers for tests and scripts, so no product module imports it. workers/ and cli/
// sit above src/ and beside each other: they import src/ (not src/ui, not src/testing) and their own
// folder. Nothing here imports scripts/ or e2e/. shaders/*.wgsl are data.
const ORDER = ['runtime', 'ops', 'text', 'image', 'models', 'weights', 'data', 'synth', 'recognize', 'train', 'eval', 'testing', 'ui', 'lib'];
const srcRoot = dirname(new URL(import.meta.url).pathname);
const repo = dirname(srcRoot);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'fixtures' ? [] : files(p);
    // Tests, and a layer's own test helpers (`testing.ts`, imported by tests and scripts only), are not product modules.
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && n !== 'testing.ts' ? [p] : [];
  });
}

/** Relative imports of a module, as repo-relative paths (query suffixes such as `?raw` dropped). */
function importsOf(source: string, file: string): string[] {
  const specs = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.[^'?]+)(?:\?[^']*)?'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(repo, normalize(join(dirname(file), s))));
}

/** Which repo folder (and src/ layer) a repo-relative path belongs to: 'src/models', 'workers', 'cli', …. */
function unit(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'src' ? `src/${parts[1] ?? ''}` : parts[0]!;
}

/** Whether a module in `from` may import `to` (both units as `unit()` gives them). */
function allowed(from: string, to: string): boolean {
  if (to === 'shaders' || to === from) return true;
  const src = (u: string): number => (u.startsWith('src/') ? ORDER.indexOf(u.slice(4)) : -1);
  if (from.startsWith('src/')) {
    if ((from === 'src/ui' || from === 'src/lib') && to === 'workers') return true;
    if (from === 'src/lib' && to === 'src/ui') return false;
    const mine = src(from);
    const theirs = src(to);
    return mine >= 0 && theirs >= 0 && theirs <= mine && to !== 'src/testing';
  }
  if (from === 'workers' || from === 'cli') return src(to) >= 0 && to !== 'src/ui' && to !== 'src/testing';
  return false;
}

function violations(dir: string): string[] {
  const out: string[] = [];
  for (const file of files(join(repo, dir))) {
    const from = unit(relative(repo, file));
    if (from.startsWith('src/') && !ORDER.includes(from.slice(4))) continue;
    for (const target of importsOf(readFileSync(file, 'utf8'), file)) {
      if (!allowed(from, unit(target))) out.push(`${relative(repo, file)} → ${target}`);
    }
  }
  return out;
}

describe('layering', () => {
  it('src/ imports only downwards in the layer order', () => {
    expect(violations('src')).toEqual([]);
  });

  it('workers/ import src/ (not the pages, not test helpers) and each other only', () => {
    expect(violations('workers')).toEqual([]);
  });

  it('cli/ imports src/ (not the pages, not test helpers) and itself only', () => {
    expect(violations('cli')).toEqual([]);
  });

  it('the rules refuse what they should', () => {
    expect(allowed('src/models', 'src/ops')).toBe(true);
    expect(allowed('src/ops', 'src/models')).toBe(false);
    expect(allowed('src/train', 'src/testing')).toBe(false);
    expect(allowed('src/testing', 'src/weights')).toBe(true);
    expect(allowed('src/testing', 'src/ui')).toBe(false);
    expect(allowed('src/ui', 'workers')).toBe(true);
    expect(allowed('src/lib', 'workers')).toBe(true);
    expect(allowed('src/lib', 'src/ui')).toBe(false);
    expect(allowed('src/eval', 'workers')).toBe(false);
    expect(allowed('workers', 'src/ui')).toBe(false);
    expect(allowed('workers', 'cli')).toBe(false);
    expect(allowed('cli', 'workers')).toBe(false);
    expect(allowed('cli', 'scripts')).toBe(false);
    expect(allowed('workers', 'src/testing')).toBe(false);
    expect(importsOf("import x from './a.ts';\nconst y = await import('../b/c.ts');\nimport s from '../../shaders/k.wgsl?raw';", join(repo, 'src/data/f.ts'))).toEqual([
      'src/data/a.ts',
      'src/b/c.ts',
      'shaders/k.wgsl',
    ]);
  });
});
