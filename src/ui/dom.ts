/** The pages' one DOM builder: `el('td', {className, testid}, ...children)`. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { testid?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const { testid, ...rest } = props;
  const e = Object.assign(document.createElement(tag), rest);
  if (testid !== undefined) e.dataset.testid = testid;
  e.append(...children);
  return e;
}
