/** Renders the capability report: backend chosen and why, the adapter, limits, features. */
import type { CapabilityReport } from '../runtime/backend.ts';
import { BACKEND_CHOICES } from './runtime_client.ts';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className !== undefined) e.className = className;
  return e;
}

export function renderCapabilities(target: HTMLElement, r: CapabilityReport): void {
  target.replaceChildren();
  const badge = el('p', '', 'backend-line');
  const name = el('strong', r.backend, `backend-badge backend-${r.backend}`);
  name.dataset.testid = 'backend';
  badge.append('Backend: ', name, ` (asked for ${r.requested})`);
  const reason = el('p', r.reason, 'reason');
  reason.dataset.testid = 'reason';
  const dl = el('dl', undefined, 'report');
  const a = r.adapter;
  const rows: [string, string][] = [
    ['Available', r.available.join(', ')],
    [
      'WebGPU adapter',
      a.adapter
        ? `${[a.vendor, a.architecture, a.description].filter((s) => s !== '').join(' · ')}${a.software ? ` (software: ${a.softwareReason})` : ''}`
        : `none: ${a.error}`,
    ],
    ['Features', a.features.join(', ') || '—'],
    ['Key limits', Object.entries(a.limits).map(([k, v]) => `${k} ${v}`).join(', ') || '—'],
    ['wasm', `${r.wasm.supported ? 'supported' : 'unsupported'}; threads ${r.wasm.threadsRequested ? 'on' : 'off'}${r.wasm.threads === null ? '' : ` (${r.wasm.threads} running)`}; cross-origin isolated ${String(r.wasm.crossOriginIsolated)}`],
    ['tfjs', r.tfjsVersion],
    ['Platform', `${r.platform}: ${r.userAgent}`],
  ];
  for (const [k, v] of rows) dl.append(el('dt', k), el('dd', v));
  target.append(badge, reason, dl);
}

export function renderError(target: HTMLElement, err: { name: string; message: string }): void {
  target.replaceChildren();
  const p = el('p', undefined, 'error');
  p.setAttribute('role', 'alert');
  p.dataset.testid = 'error';
  p.dataset.errorName = err.name;
  p.append(el('strong', err.name), `: ${err.message}`);
  target.append(p);
}

/** A backend <select> bound to the `?backend=` URL parameter: changing it reloads with the new choice. */
export function backendSelect(current: string): HTMLLabelElement {
  const label = el('label', 'Backend ');
  const select = el('select');
  select.name = 'backend';
  select.dataset.testid = 'backend-select';
  for (const b of BACKEND_CHOICES) {
    const o = el('option', b);
    o.value = b;
    o.selected = b === current;
    select.append(o);
  }
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('backend', select.value);
    location.assign(url);
  });
  label.append(select);
  return label;
}
