/**
 * The arguments of `webstr eval` and `npm run bench` (the contract in README.md), parsed in one place so
 * the two agree: `--model <…> --data <lmdb-or-shard dir>... [--backend …] [--limit N] [--shard i/n]
 * [--filtering dtrb|off] [--allow SET] [--batch-size N] [--failures N] [--min-accuracy P] [--max-drop P] [--json [FILE.json]]`.
 * Paths after `--data` that do not start with `--` are more datasets. `--filtering` defaults to `off`: every
 * sample is scored (5,724 on the three shared test sets), as the onnxruntime reference was measured;
 * `dtrb` drops labels over 25 characters or outside [0-9a-z] as DTRB's test.py does by default.
 * `--json` follows the CLI convention (cli/usage.ts): bare → stdout, `--json FILE.json` → that file.
 * Bad arguments are UsageErrors (exit 2).
 */
import { parseShard, type Shard } from '../src/eval/runner.ts';
import { JSON_OPTION, UsageError, allowArg, backendArg, isInt, jsonTarget, numberArg, parseCommandArgs, type JsonTarget } from './usage.ts';

export const EVAL_ARGS_USAGE =
  '--model <name|dir|model.json|file.onnx|file.pth> [--preset <name>] --data <lmdb-or-shard dir>... [--backend auto|webgpu|wasm|cpu] [--limit N] [--shard i/n] [--filtering dtrb|off] [--allow SET] [--batch-size N] [--failures N] [--min-accuracy P] [--max-drop P] [--json [FILE.json]]';

export interface EvalArgs {
  model: string;
  /** Architecture of an .onnx (default crnn-mv3-en) or .pth (default: read from the file). */
  preset?: string;
  data: string[];
  backend: string;
  limit?: number;
  shard?: Shard;
  filtering: 'dtrb' | 'off';
  /** Allowed characters at decoding (src/text/allow.ts). */
  allow?: string;
  batchSize: number;
  /** Failures kept per dataset in the report (default 200; enough for a paired comparison of two runs). */
  failures?: number;
  minAccuracy?: number;
  maxDrop?: number;
  json: JsonTarget;
}

export function parseEvalArgs(argv: string[]): EvalArgs {
  const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string' },
      preset: { type: 'string' },
      data: { type: 'string', multiple: true },
      backend: { type: 'string', default: 'auto' },
      limit: { type: 'string' },
      shard: { type: 'string' },
      filtering: { type: 'string', default: 'off' },
      allow: { type: 'string' },
      'batch-size': { type: 'string', default: '64' },
      failures: { type: 'string' },
      'min-accuracy': { type: 'string' },
      'max-drop': { type: 'string' },
      ...JSON_OPTION,
  });
  const data = [...(values.data ?? []), ...positionals];
  if (values.model === undefined) throw new UsageError('--model is required');
  if (data.length === 0) throw new UsageError('--data <lmdb-or-shard dir> is required');
  if (values.filtering !== 'dtrb' && values.filtering !== 'off') throw new UsageError(`--filtering: expected dtrb or off, got '${values.filtering}'`);
  backendArg(values.backend);
  let shard: Shard | undefined;
  try {
    shard = values.shard === undefined ? undefined : parseShard(values.shard);
  } catch (err) {
    throw new UsageError(`--shard: ${err instanceof Error ? err.message : String(err)}`);
  }
  allowArg(values.allow);
  return {
    model: values.model,
    preset: values.preset,
    data,
    backend: values.backend,
    limit: numberArg('limit', values.limit, isInt(1), 'a positive integer'),
    shard,
    filtering: values.filtering,
    ...(values.allow !== undefined ? { allow: values.allow } : {}),
    batchSize: numberArg('batch-size', values['batch-size'], isInt(1), 'a positive integer') ?? 64,
    failures: numberArg('failures', values.failures, isInt(0), 'an integer ≥ 0'),
    minAccuracy: numberArg('min-accuracy', values['min-accuracy'], (n) => n >= 0 && n <= 100, 'a percentage in 0…100'),
    maxDrop: numberArg('max-drop', values['max-drop'], (n) => n >= 0, 'a number ≥ 0'),
    json: jsonTarget(values.json),
  };
}
