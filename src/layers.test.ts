import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// ARCHITECTURE.md's layers: a module of src/<layer> imports only from its own layer or layers before it,
// Only src/ui (the pages, layer 10) and src/lib (the package's entries) may import workers/ (layer 9: to
// start them and type their APIs); src/lib does not import src/ui; nothing under src/ imports cli/,
// scripts/ or e2e/. shaders/*.wgsl are data.
const ORDER = ['runtime', 'ops', 'text', 'image', 'models', 'weights', 'data', 'synth', 'recognize', 'train', 'eval', 'ui', 'lib'];
const root = dirname(new URL(import.meta.url).pathname);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'fixtures' ? [] : files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('layering', () => {
  it('src/ imports only downwards in the layer order', () => {
    const violations: string[] = [];
    for (const file of files(root)) {
      const layer = relative(root, file).split('/')[0]!;
      const mine = ORDER.indexOf(layer);
      if (mine < 0) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(root, normalize(join(dirname(file), m[1]!)));
        const top = target.split('/')[0]!;
        const theirs = ORDER.indexOf(top);
        if (target.startsWith('../shaders/')) continue;
        if ((layer === 'ui' || layer === 'lib') && target.startsWith('../workers/')) continue;
        if (target.startsWith('..') || theirs > mine || (layer === 'lib' && top === 'ui')) violations.push(`${relative(root, file)} → ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
