import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Comments cite docs/models.md by section; nothing points at documents outside the repository.
const repo = dirname(dirname(new URL(import.meta.url).pathname));
const SOURCES = ['src', 'workers', 'cli', 'scripts', 'shaders', 'e2e'];
const EXT = /\.(ts|mjs|js|py|wgsl|html|sh)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'node_modules' || n === 'fixtures' ? [] : files(p);
    return EXT.test(n) ? [p] : [];
  });
}

function allSources(): string[] {
  const top = readdirSync(repo).filter((n) => EXT.test(n)).map((n) => join(repo, n));
  return [...top, ...SOURCES.flatMap((d) => files(join(repo, d)))];
}

/** Section numbers docs/models.md defines ('1', '4.5', …), from its `##`/`###` headings. */
function modelSections(): Set<string> {
  const doc = readFileSync(join(repo, 'docs/models.md'), 'utf8');
  return new Set([...doc.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.?\s/gm)].map((m) => m[1]!));
}

/** Every section number a text cites as `docs/models.md §a, §b.c–b.d`. */
function citedSections(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/docs\/models\.md((?:[\s,/(]*(?:and\s+)?§\d+(?:\.\d+)?(?:[–-]\d+(?:\.\d+)?)?)+)/g)) {
    for (const n of m[1]!.matchAll(/(?:§|[–-])(\d+(?:\.\d+)?)/g)) out.push(n[1]!);
  }
  return out;
}

describe('documentation citations', () => {
  it('nothing cites documents outside the repository or the old reference tags', () => {
    // Spelled in pieces so this file does not match itself.
    const stale = new RegExp(['(MODELS|DESIGN|ENVIRONMENT|STYLE)', '\\.md|\\[(CL|PO|DV|MO|MS)\\]|shared/docs/'].join(''));
    const hits = allSources()
      .filter((f) => f !== new URL(import.meta.url).pathname)
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((l, i) => [f, i, l] as const))
      .filter(([, , l]) => stale.test(l))
      .map(([f, i]) => `${relative(repo, f)}:${i + 1}`);
    expect(hits).toEqual([]);
  });

  it('every docs/models.md §N cited in code exists', () => {
    const sections = modelSections();
    expect(sections.has('4.5')).toBe(true);
    const missing = allSources().flatMap((f) =>
      citedSections(readFileSync(f, 'utf8'))
        .filter((n) => !sections.has(n))
        .map((n) => `${relative(repo, f)} → §${n}`),
    );
    expect(missing).toEqual([]);
  });

  it('reads citations the way they are written', () => {
    expect(citedSections('(docs/models.md §7.1–7.4; DAVAR) and docs/models.md §1/§6 and docs/models.md §4.5, §6.1 table')).toEqual([
      '7.1',
      '7.4',
      '1',
      '6',
      '4.5',
      '6.1',
    ]);
  });
});
