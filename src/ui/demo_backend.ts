/**
 * The demo's backend panel: which backend runs and why (the rest of the capability report folded away),
 * a start-up error by name, and notices of what happened to the backend or the worker since.
 */
import type { CapabilityReport } from '../runtime/backend.ts';
import type { ErrorInfo } from '../runtime/errors.ts';
import { backendSelect, renderCapabilities, renderError } from './capabilities_view.ts';
import { el } from './dom.ts';

export interface BackendPanel {
  show(report: CapabilityReport): void;
  fail(err: ErrorInfo): void;
  /** Said once, under the report (a fallback, a crashed worker). */
  notice(message: string): void;
  /** The report shown last; null before one. */
  readonly report: CapabilityReport | null;
}

/** `target`: where the report goes; `control`: where the backend switch goes (`request`: the backend asked for). */
export function mountBackendPanel(target: HTMLElement, control: HTMLElement, request: string): BackendPanel {
  control.replaceChildren(backendSelect(request));
  let report: CapabilityReport | null = null;
  return {
    show(r) {
      report = r;
      const details = el('div');
      renderCapabilities(details, r);
      // The badge and reason stay visible; the rest of the report folds away.
      const [badge, reason, ...rest] = Array.from(details.children);
      const more = el('details', {}, el('summary', { textContent: 'Capability report' }), ...rest);
      target.replaceChildren(...[badge, reason].filter((e): e is Element => e !== undefined), more);
    },
    fail(err) {
      renderError(target, err);
    },
    notice(message) {
      const p = el('p', { className: 'notice', testid: 'notice', textContent: message });
      p.setAttribute('role', 'alert');
      target.append(p);
    },
    get report() {
      return report;
    },
  };
}
