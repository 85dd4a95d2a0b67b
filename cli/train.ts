/**
 * `webstr train --preset <name> [--init weights] --data <lmdb-or-shard dir>... [--synthetic ratio]
 *  --steps N --out <dir> [--backend …]` (issue 9): the command line of the library's `train`
 * (src/lib/train_node.ts, the same Trainer as the trainer worker). Running the same command again on an
 * `--out` that holds a checkpoint continues that run. Progress bar on stderr; Ctrl-C stops after the
 * current step with a checkpoint.
 */
import path from 'node:path';
import { getPreset } from '../src/models/presets.ts';
import { STAGE_NAMES, type StageName } from '../src/models/model.ts';
import { train, type OptimizerKind, type TrainProgress } from '../src/lib/train_node.ts';
import { JSON_OPTION, UsageError, backendArg, emitResult, isInt, jsonTarget, numberArg, parseCommandArgs } from './usage.ts';

function bar(p: TrainProgress): string {
  const w = 24;
  const done = Math.round((w * p.step) / p.totalSteps);
  const eta = p.etaSec === null ? '…' : p.etaSec >= 120 ? `${(p.etaSec / 60).toFixed(0)} min` : `${p.etaSec.toFixed(0)} s`;
  const val = p.val ? ` · val ${p.val.accuracy.toFixed(2)}%` : '';
  return `[${'#'.repeat(done)}${'-'.repeat(w - done)}] ${p.step}/${p.totalSteps} · loss ${Number.isFinite(p.loss) ? p.loss.toFixed(4) : '–'} · lr ${p.lr.toExponential(2)} · ${p.samplesPerSec.toFixed(1)} samples/s · ETA ${eta}${val} · ${p.phase}`;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
      preset: { type: 'string' },
      init: { type: 'string', multiple: true },
      'init-partial': { type: 'boolean', default: false },
      float16: { type: 'boolean', default: false },
      data: { type: 'string', multiple: true },
      synthetic: { type: 'string' },
      'synth-vocab': { type: 'string' },
      'synth-style': { type: 'string' },
      'synth-workers': { type: 'string', default: '1' },
      workers: { type: 'string', default: '1' },
      steps: { type: 'string' },
      until: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      batch: { type: 'string', default: '32' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      schedule: { type: 'string', default: 'constant' },
      warmup: { type: 'string', default: '0' },
      clip: { type: 'string' },
      bn: { type: 'string' },
      width: { type: 'string' },
      freeze: { type: 'string' },
      augment: { type: 'boolean', default: false },
      val: { type: 'string' },
      'val-limit': { type: 'string' },
      'eval-every': { type: 'string', default: '0' },
      'checkpoint-every': { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      run: { type: 'string', default: 'run' },
      quiet: { type: 'boolean', default: false },
      ...JSON_OPTION,
  });
  const data = [...(values.data ?? []), ...positionals];
  for (const [k, v] of [['--preset', values.preset], ['--steps', values.steps], ['--out', values.out]] as const) if (v === undefined) throw new UsageError(`${k} is required`);
  const json = jsonTarget(values.json);
  const ratio = numberArg('synthetic', values.synthetic, (n) => n >= 0 && n <= 1, 'a share in 0…1') ?? (data.length === 0 ? 1 : 0);
  if (data.length === 0 && ratio < 1) throw new UsageError('give --data <dataset>... or --synthetic 1 (synthetic words only)');
  const steps = numberArg('steps', values.steps, isInt(1), 'a positive integer')!;
  const until = numberArg('until', values.until, (n) => isInt(1)(n) && n <= steps, `an integer in 1…${steps} (--steps)`);
  const out = values.out!;
  const preset = values.preset!;
  getPreset(preset); // named error for an unknown preset before anything is loaded
  const request = backendArg(values.backend);
  if (values.optimizer !== undefined && !['adam', 'adamw', 'adadelta', 'sgd'].includes(values.optimizer)) throw new UsageError(`--optimizer: expected adam, adamw, adadelta or sgd, got '${values.optimizer}'`);
  if (values.bn !== undefined && values.bn !== 'train' && values.bn !== 'frozen') throw new UsageError(`--bn: expected train or frozen, got '${values.bn}'`);
  const synthStyle = values['synth-style'];
  if (synthStyle !== undefined && synthStyle !== 'basic' && synthStyle !== 'rich') throw new UsageError(`--synth-style: expected basic or rich, got '${synthStyle}'`);
  if (values.schedule !== 'constant' && values.schedule !== 'cosine') throw new UsageError(`--schedule: expected constant or cosine, got '${values.schedule}'`);

  const freeze = values.freeze === undefined ? [] : values.freeze.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of freeze) if (!(STAGE_NAMES as readonly string[]).includes(s)) throw new UsageError(`--freeze: expected stages among ${STAGE_NAMES.join(', ')}, got '${s}'`);
  if (values['init-partial'] && values.init === undefined) throw new UsageError('--init-partial needs --init <weights>');
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  // Ctrl-C, or SIGTERM (a background run: shells start those with SIGINT ignored): stop after the step, with a checkpoint.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lastDraw = 0;
  try {
    const r = await train({
      preset,
      ...(values.init !== undefined ? { init: values.init.length === 1 ? values.init[0]! : values.init } : {}),
      ...(values['init-partial'] ? { initPartial: true } : {}),
      ...(values.float16 ? { float16: true } : {}),
      data,
      synthetic: ratio,
      ...opt('synthVocab', numberArg('synth-vocab', values['synth-vocab'], isInt(1), 'a positive integer')),
      ...(synthStyle === 'basic' || synthStyle === 'rich' ? { synthStyle } : {}),
      workers: numberArg('workers', values.workers, (n) => isInt(1)(n) && n <= 16, 'an integer in 1…16')!,
      synthWorkers: numberArg('synth-workers', values['synth-workers'], (n) => isInt(1)(n) && n <= 16, 'an integer in 1…16')!,
      steps,
      out,
      backend: request,
      batch: numberArg('batch', values.batch, isInt(1), 'a positive integer')!,
      ...(values.optimizer !== undefined ? { optimizer: values.optimizer as OptimizerKind } : {}),
      ...opt('lr', numberArg('lr', values.lr, (n) => n > 0, 'a number > 0')),
      schedule: values.schedule,
      warmup: numberArg('warmup', values.warmup, isInt(0), 'an integer ≥ 0')!,
      ...opt('clip', numberArg('clip', values.clip, (n) => n > 0, 'a number > 0')),
      ...(values.bn === 'train' || values.bn === 'frozen' ? { batchNorm: values.bn } : {}),
      ...opt('width', numberArg('width', values.width, isInt(8), 'an integer ≥ 8')),
      ...(freeze.length > 0 ? { freeze: freeze as StageName[] } : {}),
      augment: values.augment,
      ...(values.val !== undefined ? { val: values.val } : {}),
      ...opt('valLimit', numberArg('val-limit', values['val-limit'], isInt(1), 'a positive integer')),
      evalEvery: numberArg('eval-every', values['eval-every'], isInt(0), 'an integer ≥ 0')!,
      checkpointEvery: numberArg('checkpoint-every', values['checkpoint-every'], isInt(0), 'an integer ≥ 0')!,
      seed: numberArg('seed', values.seed, isInt(0), 'an integer ≥ 0')!,
      run: values.run,
      signal: controller.signal,
      onNotice: (m) => console.error(`webstr train: ${m}`),
      onStart: ({ step, checkpoints }) => {
        if (step > 0) console.error(`webstr train: resuming run '${values.run}' at step ${step} from ${checkpoints}`);
        if (until !== undefined && step >= until) controller.abort(); // already there: no further step
      },
      onProgress: (p) => {
        // --until: the schedule of --steps, stopped (checkpoint and weights) once step N is done.
        if (until !== undefined && p.step >= until && !controller.signal.aborted) controller.abort();
        if (p.notice !== undefined) console.error(`\nwebstr train: ${p.notice}`);
        if (values.quiet) return;
        const t = performance.now();
        if (p.phase === 'training' && t - lastDraw < 500 && p.step < p.totalSteps) return;
        lastDraw = t;
        process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${bar(p)}` : `${bar(p)}\n`);
      },
    });
    if (process.stderr.isTTY && !values.quiet) process.stderr.write('\n');
    await emitResult(
      json,
      r,
      `webstr train: ${r.stopped || !r.done ? 'stopped' : 'done'} at step ${r.step}/${steps} on ${r.backend} in ${r.seconds.toFixed(1)} s; last loss ${r.lastLoss?.toFixed(4) ?? '–'}; weights → ${path.join(out, 'weights')}`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function opt<K extends string>(key: K, v: number | undefined): { [k in K]?: number } {
  return (v === undefined ? {} : { [key]: v }) as { [k in K]?: number };
}
