/**
 * The pages and the chrome they share (header with the page's name, the nav between pages, the slot the
 * backend switch mounts into), in one place. vite.config.ts replaces each page's `<!-- webstr:chrome -->`
 * marker with `renderChrome(file)` at build and dev time, and takes its build inputs from `PAGES`.
 */
import { WebstrError } from '../runtime/errors.ts';

export interface PageEntry {
  /** File name at the root of the site, e.g. `bench.html`. */
  file: string;
  /** The page's name in the header and the nav. */
  label: string;
}

export const PAGES: readonly PageEntry[] = [
  { file: 'index.html', label: 'Recognize' },
  { file: 'compare.html', label: 'Compare' },
  { file: 'bench.html', label: 'Benchmark' },
  { file: 'finetune.html', label: 'Fine-tune' },
  { file: 'selftest.html', label: 'Self-test' },
];

export const CHROME_MARKER = '<!-- webstr:chrome -->';

/** A page the chrome does not know, or a page without exactly one chrome marker. */
export class PageChromeError extends WebstrError {
  override name = 'PageChromeError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`page chrome for '${file}': ${reason}`);
  }
}

/** The header of `file`: its name, the nav (`aria-current="page"` on its own link), the backend slot. */
export function renderChrome(file: string): string {
  const me = PAGES.find((p) => p.file === file);
  if (me === undefined) throw new PageChromeError(file, `not one of ${PAGES.map((p) => p.file).join(', ')}`);
  const links = PAGES.map(
    (p) => `        <a href="./${p.file}"${p === me ? ' aria-current="page"' : ''}>${p.label}</a>`,
  ).join('\n');
  return [
    '<header>',
    `      <h1>webstr · ${me.label}</h1>`,
    '      <nav aria-label="Pages">',
    links,
    '      </nav>',
    '      <span id="backend-control"></span>',
    '    </header>',
  ].join('\n');
}

/** `html` with its one chrome marker replaced by `file`'s chrome. */
export function withChrome(html: string, file: string): string {
  const parts = html.split(CHROME_MARKER);
  if (parts.length !== 2) throw new PageChromeError(file, `expected one ${CHROME_MARKER} marker, found ${parts.length - 1}`);
  return parts.join(renderChrome(file));
}
