/**
 * The demo's "Characters" control: all of the model's characters, a named set (src/text/allow.ts), or
 * the person's own characters. The choice is remembered across visits.
 */
import { ALLOW_SETS, isAllowSetName, parseAllow } from '../text/allow.ts';
import { errorInfo } from '../runtime/errors.ts';
import { el, part, showStatus } from './dom.ts';

const ALLOW_PREF = 'webstr.demo.allow';
const CUSTOM = 'custom';

export interface AllowControl {
  /** The spec chosen (a set name or `chars:…`); null: all of the model's characters. */
  spec(): string | null;
}

export interface AllowControlDeps {
  /** Applies a valid new spec to the loaded model (may refuse it with a named error, shown). */
  apply: (spec: string | null) => Promise<void>;
}

/** `root`: what holds #allow-select, #allow-custom and #allow-status. */
export function mountAllowControl(root: HTMLElement, deps: AllowControlDeps): AllowControl {
  const select = part<HTMLSelectElement>(root, 'allow-select');
  const custom = part<HTMLInputElement>(root, 'allow-custom');
  const status = part(root, 'allow-status');

  select.append(...Object.entries(ALLOW_SETS).map(([name, set]) => el('option', { value: name, textContent: set.label })), el('option', { value: CUSTOM, textContent: 'Only these characters…' }));
  const saved = localStorage.getItem(ALLOW_PREF) ?? 'all';
  if (isAllowSetName(saved)) select.value = saved;
  else {
    select.value = CUSTOM;
    custom.value = saved.replace(/^chars:/, '');
  }
  custom.hidden = select.value !== CUSTOM;

  const spec = (): string | null => {
    if (select.value !== CUSTOM) return select.value === 'all' ? null : select.value;
    return custom.value === '' ? null : `chars:${custom.value}`;
  };

  const changed = async (): Promise<void> => {
    custom.hidden = select.value !== CUSTOM;
    const s = spec();
    try {
      parseAllow(s);
      localStorage.setItem(ALLOW_PREF, s ?? 'all');
      await deps.apply(s);
      showStatus(status, s === null ? '' : 'Recognition now outputs only the chosen characters.');
    } catch (err) {
      showStatus(status, '', errorInfo(err));
    }
  };
  select.addEventListener('change', () => {
    void changed();
    if (select.value === CUSTOM) custom.focus();
  });
  custom.addEventListener('change', () => void changed());

  return { spec };
}
