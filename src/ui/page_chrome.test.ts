import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROME_MARKER, PAGES, renderChrome, withChrome } from './page_chrome.ts';

const repo = join(dirname(new URL(import.meta.url).pathname), '../..');

describe('page chrome', () => {
  it('marks the current page, and only it, in every page’s nav', () => {
    for (const page of PAGES) {
      const html = renderChrome(page.file);
      const current = [...html.matchAll(/<a href="\.\/([^"]+)"( aria-current="page")?>/g)];
      expect(current.map((m) => m[1])).toEqual(PAGES.map((p) => p.file));
      expect(current.filter((m) => m[2] !== undefined).map((m) => m[1])).toEqual([page.file]);
      expect(html).toContain(`<h1>webstr · ${page.label}</h1>`);
      expect(html).toContain('id="backend-control"');
    }
  });

  it('every page at the root is listed and carries the marker once, with no header of its own', () => {
    const roots = readdirSync(repo).filter((f) => f.endsWith('.html')).sort();
    expect(roots).toEqual(PAGES.map((p) => p.file).sort());
    for (const file of roots) {
      const html = readFileSync(join(repo, file), 'utf8');
      expect(html.split(CHROME_MARKER)).toHaveLength(2);
      expect(html).not.toMatch(/<header|<nav/);
      expect(withChrome(html, file)).toMatch(/<nav aria-label="Pages">/);
    }
  });

  it('refuses an unknown page and a missing marker by name', () => {
    expect(() => renderChrome('other.html')).toThrow(expect.objectContaining({ name: 'PageChromeError' }));
    expect(() => withChrome('<body></body>', 'index.html')).toThrow(/expected one <!-- webstr:chrome --> marker, found 0/);
  });
});
