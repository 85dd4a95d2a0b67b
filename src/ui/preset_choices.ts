/** The preset choices an import form offers for a model file: for a `.pth` only what fits the file. */
import type { ModelFit } from '../recognize/model_source.ts';

export interface PresetChoice {
  /** '' = the model read from the `.pth` itself. */
  value: string;
  label: string;
}

export function presetChoices(fit: ModelFit | null, all: readonly string[]): PresetChoice[] {
  if (fit === null || fit.kind === 'onnx') return all.map((p) => ({ value: p, label: p }));
  const out: PresetChoice[] = [];
  if (fit.inferred !== null && !fit.presets.includes(fit.inferred)) out.push({ value: '', label: `${fit.inferred} (read from the file)` });
  out.push(...fit.presets.map((p) => ({ value: p, label: p })));
  return out;
}

/** Replaces `select`'s options; keeps `preferred` (else the current value) selected when offered. */
export function fillPresetSelect(select: HTMLSelectElement, choices: readonly PresetChoice[], preferred: string = select.value): void {
  select.replaceChildren(
    ...choices.map((c) => {
      const o = document.createElement('option');
      o.value = c.value;
      o.textContent = c.label;
      return o;
    }),
  );
  if (choices.some((c) => c.value === preferred)) select.value = preferred;
  select.disabled = choices.length === 0;
}
