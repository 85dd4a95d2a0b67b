/** The folder above the one holding `moduleUrl` ('…/a/b/x.js' → '…/a/'), query and fragment dropped. */
export function appRootOf(moduleUrl: string): string {
  const u = new URL(moduleUrl);
  u.search = '';
  u.hash = '';
  const dir = u.pathname.slice(0, u.pathname.lastIndexOf('/'));
  u.pathname = dir.slice(0, dir.lastIndexOf('/') + 1);
  return u.href;
}
