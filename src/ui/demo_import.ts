/**
 * The demo's "Import a model" form: a PaddleOCR `.onnx` or PyTorch `.pth` (picked or dropped) converted
 * by the recognizer worker as the chosen preset and kept in IndexedDB. A `.pth` lists only the presets
 * it fits (and the model read from it); what fits nothing says why.
 */
import type { Remote } from 'comlink';
import type { RecognizerApi } from '../../workers/recognizer.ts';
import { PRESETS } from '../models/presets.ts';
import { modelFileKind, parseStoredModelKey, type StoredModel } from '../recognize/model_source.ts';
import { errorInfo } from '../runtime/errors.ts';
import { MAX_FILE_BYTES, dropTarget } from './demo_input.ts';
import { part, showStatus } from './dom.ts';
import { fillPresetSelect, presetChoices } from './preset_choices.ts';

/** How the demo names a stored model: `file (preset)`. */
export function modelLabel(m: StoredModel): string {
  return `${parseStoredModelKey(m.key)?.fileName ?? m.name} (${m.preset})`;
}

export interface ImportForm {
  /** Converts and stores `file` with the chosen preset; the result (or the named error) is shown. */
  importFile(file: File): Promise<void>;
  /** Unfolds the form. */
  open(): void;
}

export interface ImportFormDeps {
  api: Pick<Remote<RecognizerApi>, 'inspectModel' | 'importModel'>;
  /** A model was stored (before the form is enabled again). */
  onImported: (stored: StoredModel) => Promise<void>;
}

const DEFAULT_PRESET = 'crnn-mv3-en';

/** `root`: the <details> holding #model-file, #preset-select, #model-import, #model-drop, #import-status. */
export function mountImportForm(root: HTMLDetailsElement, deps: ImportFormDeps): ImportForm {
  const fileInput = part<HTMLInputElement>(root, 'model-file');
  const presetSelect = part<HTMLSelectElement>(root, 'preset-select');
  const button = part<HTMLButtonElement>(root, 'model-import');
  const status = part(root, 'import-status');

  /** The file whose fit the preset list shows, and that check: an import clicked while the check still
   *  runs waits for it (else it would use the old list). */
  let inspected: { file: File; done: Promise<boolean> } | null = null;

  /** Offers the presets `file` fits; false (the reason shown) when there is nothing to import it as. */
  const offerPresets = (file: File): Promise<boolean> => {
    if (inspected?.file !== file) inspected = { file, done: checkPresets(file) };
    return inspected.done;
  };

  const checkPresets = async (file: File): Promise<boolean> => {
    if (file.size > MAX_FILE_BYTES) return true; // refused by importFile, unread
    if (modelFileKind(file.name) !== 'pth') {
      fillPresetSelect(presetSelect, presetChoices(null, Object.keys(PRESETS)), DEFAULT_PRESET);
      return true;
    }
    try {
      const fit = await deps.api.inspectModel(file, file.name);
      const choices = presetChoices(fit, Object.keys(PRESETS));
      fillPresetSelect(presetSelect, choices, '');
      if (choices.length === 0) showStatus(status, '', { name: 'CheckpointStructureError', message: fit.mismatch ?? `${file.name}: fits no model webstr builds` });
      else showStatus(status, `${file.name}: ${choices.map((c) => c.label).join(', ')}`);
      return choices.length > 0;
    } catch (err) {
      fillPresetSelect(presetSelect, []);
      showStatus(status, '', errorInfo(err));
      return false;
    }
  };

  const importFile = async (file: File): Promise<void> => {
    if (!(await offerPresets(file))) return;
    const preset = presetSelect.value;
    if (file.size > MAX_FILE_BYTES) {
      showStatus(status, '', { name: 'ModelFileError', message: `${file.name} is ${(file.size / 1e6).toFixed(0)} MB; model files above ${MAX_FILE_BYTES / 2 ** 20} MiB are refused` });
      return;
    }
    button.disabled = true;
    showStatus(status, `Converting ${file.name} as ${preset === '' ? 'the model it describes' : preset}…`);
    try {
      const stored = await deps.api.importModel(file, file.name, preset);
      showStatus(status, `Imported ${modelLabel(stored)}: ${(stored.bytes / 1e6).toFixed(2)} MB of weights kept in this browser.`);
      status.dataset.imported = stored.key;
      await deps.onImported(stored);
    } catch (err) {
      showStatus(status, '', errorInfo(err));
    } finally {
      button.disabled = false;
    }
  };

  fillPresetSelect(presetSelect, presetChoices(null, Object.keys(PRESETS)), DEFAULT_PRESET);
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    if (f !== undefined) void offerPresets(f);
  });
  button.addEventListener('click', () => {
    const f = fileInput.files?.[0];
    if (f === undefined) {
      showStatus(status, 'Choose a model file first.');
      fileInput.focus();
      return;
    }
    void importFile(f);
  });
  dropTarget(part(root, 'model-drop'), (dt) => {
    const f = dt.files[0];
    if (f !== undefined) void importFile(f);
  });

  return {
    importFile,
    open: () => {
      root.open = true;
    },
  };
}
