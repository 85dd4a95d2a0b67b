/**
 * The recipe form of finetune.html: base model (a stored model or a preset from scratch), training
 * datasets, synthetic ratio, validation set, and the recipe (steps, batch, LR, optimizer, schedule,
 * BatchNorm mode, augmentation, intervals, seed), with recipe presets. Reads back a `StartRequest` or a
 * `RecipeFormError` naming the field. Plain DOM, no tfjs.
 */
import { WebstrError } from '../runtime/errors.ts';
import type { OptimizerSpec } from '../train/types.ts';
import { SYNTH_VALIDATION, type BaseModel, type RecipeSettings, type StartRequest } from '../../workers/trainer_api.ts';
import { el } from './dom.ts';
import { TINY_STEPS, tinyRecipe } from '../train/tiny.ts';

function tinyValues() {
  const { steps, batchSize, optimizer, schedule, clipNorm, batchNorm, augment, seed } = tinyRecipe(TINY_STEPS);
  return { steps, batchSize, optimizer, schedule, clipNorm, batchNorm, augment, seed };
}

/** A field of the recipe form holds a value the trainer cannot use; `field` is its test id. */
export class RecipeFormError extends WebstrError {
  override name = 'RecipeFormError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ModelChoice {
  key: string;
  name: string;
  preset: string;
}

export interface DatasetChoice {
  id: string;
  name: string;
  samples: number;
}

export interface RecipePreset {
  label: string;
  /** Which base to pick: a stored model of this preset (the first), or this preset from scratch. */
  base: { stored: string } | { scratch: string[] };
  syntheticRatio: number;
  /** Validation: held-out synthetic words, or keep the chosen set. */
  validation: 'synthetic' | 'keep';
  values: Omit<RecipeSettings, 'datasets' | 'syntheticRatio' | 'validation'> & { validationLimit: number };
}

/** Recipe presets. Fine-tuning follows PaddleOCR's rec_mv3 recipe (Adam, cosine) at a fine-tuning rate with
 *  frozen BatchNorm (small batches); the tiny run is the lite_train_lite_infer shape on synthetic words. */
export const RECIPE_PRESETS: Record<string, RecipePreset> = {
  'finetune-paddle': {
    label: 'fine-tune PaddleOCR CRNN',
    base: { stored: 'crnn-mv3-en' },
    syntheticRatio: 0,
    validation: 'keep',
    values: { steps: 300, batchSize: 32, optimizer: { kind: 'adam', lr: 1e-4, beta1: 0.9, beta2: 0.999 }, schedule: { kind: 'cosine', warmup: 10 }, clipNorm: 5, batchNorm: 'frozen', augment: true, evalEvery: 100, checkpointEvery: 25, seed: 1, validationLimit: 500 },
  },
  'tiny-synthetic': {
    label: 'tiny from scratch on synthetic',
    base: { scratch: ['crnn-tiny', 'crnn-mv3-en'] },
    syntheticRatio: 1,
    validation: 'synthetic',
    // src/train/tiny.ts's recipe, the one `tiny_run.test.ts` (Node) and e2e/tiny_run.spec.ts (this page) hold to TINY_BAR.
    values: { ...tinyValues(), evalEvery: 100, checkpointEvery: 50, validationLimit: 200 },
  },
};

/**
 * What a run will start from, said in one line beside the base-model field: a stored or shipped model's
 * weights, or a preset's random initialisation. `warn` when that is not what the applied recipe preset
 * asks for (it fine-tunes a model of one preset and none is stored), so nothing is trained from scratch
 * or from another model silently.
 */
export function describeBase(value: string, models: readonly ModelChoice[], recipe: RecipePreset | undefined): { text: string; warn: boolean } {
  const want = recipe !== undefined && 'stored' in recipe.base ? recipe.base.stored : null;
  const missing = want !== null && !models.some((m) => m.preset === want) ? ` The recipe "${recipe!.label}" fine-tunes a ${want} model and none is in this browser: import one under Base models.` : '';
  if (value === '') return { text: 'No base model: import one under Base models, or pick a preset from scratch.', warn: true };
  const [kind, ...rest] = value.split(':');
  const ref = rest.join(':');
  if (kind === 'preset') return { text: `This run trains ${ref} from scratch: random weights, no pretrained model.${missing}`, warn: want !== null };
  const m = models.find((x) => x.key === ref);
  const where = ref.startsWith('shipped:') ? 'shipped with webstr' : 'stored in this browser';
  const text = `This run starts from ${m?.name ?? ref} (${m?.preset ?? 'unknown preset'}, ${where}) and fine-tunes its trained weights.`;
  return want !== null && m !== undefined && m.preset !== want ? { text: `${text}${missing}`, warn: missing !== '' } : { text, warn: false };
}

export interface RecipeForm {
  root: HTMLElement;
  setModels(models: ModelChoice[], presets: string[]): void;
  setDatasets(datasets: DatasetChoice[]): void;
  applyPreset(id: string): void;
  read(): StartRequest;
  setDisabled(disabled: boolean): void;
  /** Puts back the fields as they were last changed (localStorage), once models and datasets are listed. */
  restore(): void;
}

const STORAGE_KEY = 'webstr-finetune-form';

const num = (testid: string, value: string, attrs: Partial<HTMLInputElement> = {}) => {
  const i = el('input', { type: 'number', value, testid, ...attrs });
  i.style.width = '7rem';
  return i;
};

const field = (label: string, control: HTMLElement, hint?: string) => el('label', { className: 'field' }, `${label} `, control, ...(hint !== undefined ? [el('small', { textContent: ` ${hint}` })] : []));

export function mountRecipeForm(root: HTMLElement): RecipeForm {
  const presetSelect = el('select', { testid: 'recipe-preset' }, el('option', { value: '', textContent: 'custom' }), ...Object.entries(RECIPE_PRESETS).map(([id, p]) => el('option', { value: id, textContent: p.label })));
  const base = el('select', { testid: 'base-model' });
  const baseNote = el('p', { testid: 'base-note', role: 'status' });
  baseNote.setAttribute('aria-live', 'polite');
  const datasets = el('fieldset', { testid: 'train-datasets', tabIndex: -1 }, el('legend', { textContent: 'Training datasets' }));
  const synth = num('synthetic-ratio', '0', { min: '0', max: '1', step: '0.05' });
  const validation = el('select', { testid: 'validation-set' });
  const valLimit = num('validation-limit', '500', { min: '1' });
  const steps = num('steps', '300', { min: '1' });
  const batch = num('batch-size', '32', { min: '1', max: '512' });
  const lr = num('lr', '0.0001', { min: '0', step: 'any' });
  const optimizer = el('select', { testid: 'optimizer' }, ...['adam', 'adamw', 'adadelta', 'sgd'].map((k) => el('option', { value: k, textContent: k })));
  const weightDecay = num('weight-decay', '0', { min: '0', step: 'any' });
  const schedule = el('select', { testid: 'schedule' }, el('option', { value: 'constant', textContent: 'constant' }), el('option', { value: 'cosine', textContent: 'cosine with warm-up' }));
  const warmup = num('warmup', '10', { min: '0' });
  const clip = num('clip-norm', '5', { min: '0', step: 'any' });
  const bn = el('select', { testid: 'batch-norm' }, el('option', { value: 'frozen', textContent: 'frozen (running statistics)' }), el('option', { value: 'train', textContent: 'train (batch statistics)' }));
  const augment = el('input', { type: 'checkbox', testid: 'augment' });
  const evalEvery = num('eval-every', '100', { min: '0' });
  const ckEvery = num('checkpoint-every', '25', { min: '1' });
  const seed = num('seed', '1', { min: '0' });

  root.append(
    el('p', {}, field('Recipe preset', presetSelect, 'fills the fields below')),
    el('p', {}, field('Base model', base, 'a model stored in this browser (import one below or on the benchmark page), or a preset from scratch')),
    baseNote,
    datasets,
    el('p', {}, field('Synthetic ratio', synth, 'fraction of each batch drawn from synthetic words (0 = datasets only, 1 = synthetic only)')),
    el('p', {}, field('Validation set', validation), ' ', field('samples', valLimit)),
    el(
      'fieldset',
      {},
      el('legend', { textContent: 'Recipe' }),
      el('p', {}, field('steps', steps), ' ', field('batch size', batch), ' ', field('learning rate', lr), ' ', field('optimizer', optimizer), ' ', field('weight decay', weightDecay)),
      el('p', {}, field('schedule', schedule), ' ', field('warm-up steps', warmup), ' ', field('clip norm (0 = off)', clip), ' ', field('BatchNorm', bn), ' ', field('augment', augment)),
      el('p', {}, field('evaluate every', evalEvery, 'steps (0 = only at the end)'), ' ', field('checkpoint every', ckEvery, 'steps'), ' ', field('seed', seed)),
    ),
  );

  let presets: string[] = [];
  let models: ModelChoice[] = [];
  const updateBaseNote = () => {
    const d = describeBase(base.value, models, RECIPE_PRESETS[presetSelect.value]);
    baseNote.textContent = d.text;
    baseNote.classList.toggle('warn', d.warn);
    baseNote.dataset.warn = String(d.warn);
  };

  const form: RecipeForm = {
    root,
    setModels(list, presetNames) {
      const prev = base.value;
      models = list;
      presets = presetNames;
      base.replaceChildren(
        ...list.map((m) => el('option', { value: `stored:${m.key}`, textContent: `${m.name} (${m.preset}, ${m.key.startsWith('shipped:') ? 'shipped' : 'stored'})` })),
        ...presetNames.map((p) => el('option', { value: `preset:${p}`, textContent: `${p} from scratch` })),
      );
      if ([...base.options].some((o) => o.value === prev)) base.value = prev;
      updateBaseNote();
    },
    setDatasets(list) {
      const checked = new Set([...datasets.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
      const prevVal = validation.value;
      datasets.replaceChildren(
        el('legend', { textContent: 'Training datasets' }),
        ...(list.length === 0
          ? [el('span', { textContent: 'none imported yet: import an LMDB in the Datasets section (training splits only, never a test set)' })]
          : list.map((d) => {
              const box = el('input', { type: 'checkbox', value: d.id, checked: checked.has(d.id) });
              const l = el('label', {}, box, ` ${d.name} (${d.samples}) `);
              l.dataset.trainDataset = d.name;
              return l;
            })),
      );
      validation.replaceChildren(el('option', { value: '', textContent: 'none' }), el('option', { value: SYNTH_VALIDATION, textContent: 'held-out synthetic words' }), ...list.map((d) => el('option', { value: d.id, textContent: `${d.name} (${d.samples})` })));
      if ([...validation.options].some((o) => o.value === prevVal)) validation.value = prevVal;
    },
    applyPreset(id) {
      const p = RECIPE_PRESETS[id];
      if (p === undefined) return;
      presetSelect.value = id;
      const v = p.values;
      steps.value = String(v.steps);
      batch.value = String(v.batchSize);
      lr.value = String(v.optimizer.lr);
      optimizer.value = v.optimizer.kind;
      weightDecay.value = String(v.optimizer.weightDecay ?? 0);
      schedule.value = v.schedule.kind === 'cosine' ? 'cosine' : 'constant';
      warmup.value = String(v.schedule.kind === 'cosine' ? v.schedule.warmup : 0);
      clip.value = String(v.clipNorm ?? 0);
      bn.value = v.batchNorm;
      augment.checked = v.augment;
      evalEvery.value = String(v.evalEvery);
      ckEvery.value = String(v.checkpointEvery);
      seed.value = String(v.seed);
      valLimit.value = String(v.validationLimit);
      synth.value = String(p.syntheticRatio);
      if (p.validation === 'synthetic') validation.value = SYNTH_VALIDATION;
      if ('stored' in p.base) {
        const want = p.base.stored;
        // That preset's model, else the first pretrained one (the note says so), never a preset from scratch.
        const m = models.find((x) => x.preset === want) ?? models[0];
        if (m !== undefined) base.value = `stored:${m.key}`;
      } else {
        const want = p.base.scratch.find((x) => presets.includes(x));
        if (want !== undefined) base.value = `preset:${want}`;
      }
      updateBaseNote();
    },
    read() {
      const n = (i: HTMLInputElement, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number => {
        const v = Number(i.value);
        const ok = i.value.trim() !== '' && Number.isFinite(v) && (opts.int !== true || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max);
        if (!ok) {
          const range = `${opts.int === true ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}`;
          throw new RecipeFormError(i.dataset.testid ?? name, `${name} must be ${range}, got '${i.value}'`);
        }
        return v;
      };
      if (base.value === '') throw new RecipeFormError('base-model', 'choose a base model (import one, or pick a preset from scratch)');
      const [kind, ...rest] = base.value.split(':');
      const ref = rest.join(':');
      const b: BaseModel = kind === 'stored' ? { kind: 'stored', key: ref } : { kind: 'preset', preset: ref };
      const ratio = n(synth, 'synthetic ratio', { min: 0, max: 1 });
      const ds = [...datasets.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
      if (ratio < 1 && ds.length === 0) throw new RecipeFormError('train-datasets', 'choose at least one training dataset, or set the synthetic ratio to 1');
      const rate = n(lr, 'learning rate', { min: 0 });
      if (!(rate > 0)) throw new RecipeFormError('lr', `learning rate must be > 0, got '${lr.value}'`);
      const wd = n(weightDecay, 'weight decay', { min: 0 });
      const k = optimizer.value as OptimizerSpec['kind'];
      // The applied recipe preset's own settings of this optimizer (ρ, ε, β…) stay; otherwise the references'.
      const preset = RECIPE_PRESETS[presetSelect.value]?.values.optimizer;
      const own = preset?.kind === k ? Object.fromEntries(Object.entries(preset).filter(([key, v]) => !['kind', 'lr', 'weightDecay'].includes(key) && v !== undefined)) : {};
      const defaults = k === 'sgd' ? { momentum: 0.9, nesterov: true } : k === 'adadelta' ? { rho: 0.95, eps: 1e-8 } : {};
      const opt = { ...defaults, ...own, kind: k, lr: rate, weightDecay: wd } as OptimizerSpec;
      const clipNorm = n(clip, 'clip norm', { min: 0 });
      const stepCount = n(steps, 'steps', { int: true, min: 1, max: 1_000_000 });
      const recipe: RecipeSettings = {
        datasets: ds,
        syntheticRatio: ratio,
        validation: validation.value === '' ? null : { dataset: validation.value, limit: n(valLimit, 'validation samples', { int: true, min: 1 }) },
        steps: stepCount,
        batchSize: n(batch, 'batch size', { int: true, min: 1, max: 512 }),
        optimizer: opt,
        schedule: schedule.value === 'cosine' ? { kind: 'cosine', warmup: n(warmup, 'warm-up steps', { int: true, min: 0, max: stepCount }) } : { kind: 'constant' },
        ...(clipNorm > 0 ? { clipNorm } : {}),
        batchNorm: bn.value as 'train' | 'frozen',
        augment: augment.checked,
        evalEvery: n(evalEvery, 'evaluation interval', { int: true, min: 0 }),
        checkpointEvery: n(ckEvery, 'checkpoint interval', { int: true, min: 1 }),
        seed: n(seed, 'seed', { int: true, min: 0, max: 2 ** 31 - 1 }),
      };
      const valName = validation.selectedOptions[0]?.textContent?.replace(/ \(\d+\)$/, '');
      return { base: b, recipe, ...(valName !== undefined && validation.value !== '' ? { validationName: valName } : {}) };
    },
    setDisabled(disabled) {
      for (const c of root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) c.disabled = disabled;
    },
    restore() {
      let saved: { fields?: Record<string, string | boolean>; datasets?: string[] } = {};
      try {
        saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as typeof saved;
      } catch {
        return;
      }
      for (const c of root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-testid]')) {
        const v = saved.fields?.[c.dataset.testid!];
        if (v === undefined) continue;
        if (c instanceof HTMLInputElement && c.type === 'checkbox') c.checked = v === true;
        else if (!(c instanceof HTMLSelectElement) || [...c.options].some((o) => o.value === v)) c.value = String(v);
      }
      for (const box of datasets.querySelectorAll<HTMLInputElement>('input')) box.checked = saved.datasets?.includes(box.value) ?? box.checked;
      updateBaseNote();
    },
  };
  root.addEventListener('change', () => {
    const fields: Record<string, string | boolean> = {};
    for (const c of root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-testid]')) {
      if (c instanceof HTMLInputElement || c instanceof HTMLSelectElement) fields[c.dataset.testid!] = c instanceof HTMLInputElement && c.type === 'checkbox' ? c.checked : c.value;
    }
    const ds = [...datasets.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ fields, datasets: ds }));
    } catch {
      // storage full or blocked: the form just is not remembered
    }
  });
  presetSelect.addEventListener('change', () => form.applyPreset(presetSelect.value));
  base.addEventListener('change', updateBaseNote);
  return form;
}
