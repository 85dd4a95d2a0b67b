/** The pages' small DOM helpers: one element builder, one status line, one file download. */
import type { ErrorInfo } from '../runtime/errors.ts';

/** `el('td', {className, testid}, ...children)`. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { testid?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const { testid, ...rest } = props;
  const e = Object.assign(document.createElement(tag), rest);
  if (testid !== undefined) e.dataset.testid = testid;
  e.append(...children);
  return e;
}

/** The element `#id` inside `root` (a component finds its parts in the page's HTML this way). */
export function part<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const e = root.querySelector<T>(`#${id}`);
  if (e === null) throw new Error(`page is missing #${id}`);
  return e;
}

/** Shows `text` in a status line, or with `error` the error by name (`<strong>Name</strong>: message`,
 *  `data-error-name` set for tests and styling). */
export function showStatus(target: HTMLElement, text: string, error?: ErrorInfo): void {
  target.replaceChildren();
  target.classList.toggle('error', error !== undefined);
  if (error !== undefined) {
    target.dataset.errorName = error.name;
    target.append(el('strong', { textContent: error.name }), `: ${error.message}`);
  } else {
    delete target.dataset.errorName;
    target.textContent = text;
  }
}

/** Saves `data` as a file called `name` (through a temporary link to an object URL). */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
